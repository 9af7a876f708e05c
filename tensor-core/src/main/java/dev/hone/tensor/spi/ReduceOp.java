package dev.hone.tensor.spi;

/** Reductions over a set of axes. SUM and MEAN of 16-bit inputs accumulate in F32; ARGMAX gives I64. */
public enum ReduceOp { SUM, MEAN, MAX, MIN, ARGMAX }
