package dev.hone.tensor.spi;

/** Elementwise functions of two inputs of one dtype, broadcast by strides. */
public enum BinaryOp { ADD, SUB, MUL, DIV, MAX, MIN, POW }
