package dev.hone.tensor.spi;

/** Elementwise functions of one input. Same dtype in and out (floating types only, except NEG and ABS). */
public enum UnaryOp {
    NEG, ABS, EXP, LOG, SQRT, RSQRT, RECIPROCAL, SQUARE, TANH, SIGMOID, SILU, GELU_TANH, RELU, SIN, COS
}
