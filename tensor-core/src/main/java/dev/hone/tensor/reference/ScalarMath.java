package dev.hone.tensor.reference;

import dev.hone.tensor.spi.BinaryOp;
import dev.hone.tensor.spi.CompareOp;
import dev.hone.tensor.spi.UnaryOp;

/**
 * The scalar definitions of every elementwise op, in double precision (floating dtypes) and in long
 * arithmetic (integer dtypes and BOOL). These are the meanings every backend must reproduce.
 * GELU_TANH is the tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (Hendrycks and
 * Gimpel 2016). NaN propagates through MAX and MIN. Integer DIV truncates toward zero; integer POW is
 * exact repeated multiplication (negative exponents give 0 except for bases 1 and -1).
 */
final class ScalarMath {
    private ScalarMath() { }

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    static double unary(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case RECIPROCAL -> 1.0 / x;
            case SQUARE -> x * x;
            case TANH -> Math.tanh(x);
            case SIGMOID -> sigmoid(x);
            case SILU -> x * sigmoid(x);
            case GELU_TANH -> 0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
            case RELU -> Math.max(0.0, x);
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
        };
    }

    static double sigmoid(double x) { return 1.0 / (1.0 + Math.exp(-x)); }

    /** Integer form of the unary ops that are defined on integers (NEG, ABS, SQUARE, RELU). */
    static long unary(UnaryOp op, long x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SQUARE -> x * x;
            case RELU -> Math.max(0L, x);
            default -> throw new IllegalArgumentException("unary " + op + " is not defined on integer tensors");
        };
    }

    static double binary(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case POW -> Math.pow(a, b);
        };
    }

    static long binary(BinaryOp op, long a, long b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> {
                if (b == 0) throw new ArithmeticException("binary DIV: integer division by zero");
                yield a / b;
            }
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case POW -> integerPower(a, b);
        };
    }

    private static long integerPower(long base, long exponent) {
        if (exponent < 0) return base == 1 ? 1 : base == -1 ? (exponent % 2 == 0 ? 1 : -1) : 0;
        long result = 1;
        for (long i = 0; i < exponent; i++) result *= base;
        return result;
    }

    static boolean compare(CompareOp op, double a, double b) {
        return switch (op) {
            case EQ -> a == b;
            case NE -> a != b;
            case LT -> a < b;
            case LE -> a <= b;
            case GT -> a > b;
            case GE -> a >= b;
        };
    }

    static boolean compare(CompareOp op, long a, long b) {
        return switch (op) {
            case EQ -> a == b;
            case NE -> a != b;
            case LT -> a < b;
            case LE -> a <= b;
            case GT -> a > b;
            case GE -> a >= b;
        };
    }
}
