package dev.hone.tensor.spi;

/** Elementwise comparisons; the result dtype is BOOL (0 or 1). */
public enum CompareOp { EQ, NE, LT, LE, GT, GE }
