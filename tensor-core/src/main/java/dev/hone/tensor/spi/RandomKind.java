package dev.hone.tensor.spi;

/**
 * Random fills. UNIFORM: [a, b). NORMAL: mean a, standard deviation b. BERNOULLI: 1 with probability a,
 * else 0. All backends draw the same numbers for the same seed (see {@code dev.hone.tensor.CounterRandom}).
 */
public enum RandomKind { UNIFORM, NORMAL, BERNOULLI }
