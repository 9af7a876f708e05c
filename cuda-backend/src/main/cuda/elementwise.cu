// Elementwise kernels over strided views: unary, binary, compare, where, copy, fill and cast.
// Every kernel takes an Indexer (operand 0 = out, then the inputs) and the element count n, and walks
// the output in row-major order with a grid-stride loop; broadcast inputs carry stride 0.
// Op codes are the ordinals of the Java enums dev.hone.tensor.spi.{UnaryOp, BinaryOp, CompareOp};
// the enums below list them in the same order (a host test checks this).
#include "common.cuh"
#include <type_traits>

enum UnaryOp { NEG, ABS, EXP, LOG, SQRT, RSQRT, RECIPROCAL, SQUARE, TANH, SIGMOID, SILU, GELU_TANH, RELU, SIN, COS };
enum BinaryOp { ADD, SUB, MUL, DIV, MAX, MIN, POW };
enum CompareOp { EQ, NE, LT, LE, GT, GE };

struct hone_bool { uint8_t v; };

__device__ __forceinline__ float unary_float(int op, float x) {
    switch (op) {
        case NEG: return -x;
        case ABS: return fabsf(x);
        case EXP: return expf(x);
        case LOG: return logf(x);
        case SQRT: return sqrtf(x);
        case RSQRT: return rsqrtf(x);
        case RECIPROCAL: return 1.0f / x;
        case SQUARE: return x * x;
        case TANH: return tanhf(x);
        case SIGMOID: return 1.0f / (1.0f + expf(-x));
        case SILU: return x / (1.0f + expf(-x));
        // 0.5 x (1 + tanh(u)) written as x * sigmoid(2u): no cancellation for large negative x
        case GELU_TANH: return x / (1.0f + expf(-1.5957691216057308f * (x + 0.044715f * x * x * x)));
        case RELU: return x > 0.0f ? x : 0.0f;
        case SIN: return sinf(x);
        case COS: return cosf(x);
        default: return __int_as_float(0x7fffffff);
    }
}

template <typename T>
__device__ __forceinline__ void unary_body(int op, Indexer ix, long long n, T* out, const T* x) {
    GRID_STRIDE(i, n) {
        long long at[2];
        locate<2>(ix, i, at);
        if constexpr (std::is_integral<T>::value) {
            T v = x[at[1]];
            out[at[0]] = op == NEG ? (T) -v : (v < 0 ? (T) -v : v);
        } else {
            out[at[0]] = from_float<T>(unary_float(op, to_float(x[at[1]])));
        }
    }
}

// Exact integer power by repeated squaring, wrapping like Java; negative exponents give 0 except for bases 1 and -1.
template <typename T>
__device__ __forceinline__ T integer_power(T base, T exponent) {
    typedef typename std::make_unsigned<T>::type U;
    if (exponent < 0) return base == 1 ? (T) 1 : (base == -1 ? ((exponent & 1) ? (T) -1 : (T) 1) : (T) 0);
    U result = 1, b = (U) base;
    for (T e = exponent; e > 0; e >>= 1) {
        if (e & 1) result *= b;
        b *= b;
    }
    return (T) result;
}

template <typename C>
__device__ __forceinline__ C binary_value(int op, C a, C b) {
    switch (op) {
        case ADD: return a + b;
        case SUB: return a - b;
        case MUL: return a * b;
        case DIV: return a / b;
        case MAX: return a > b ? a : (a == a ? b : a);
        case MIN: return a < b ? a : (a == a ? b : a);
        default:
            if constexpr (std::is_integral<C>::value) return integer_power<C>(a, b);
            else return powf(a, b);
    }
}

template <typename T>
__device__ __forceinline__ void binary_body(int op, Indexer ix, long long n, T* out, const T* a, const T* b) {
    GRID_STRIDE(i, n) {
        long long at[3];
        locate<3>(ix, i, at);
        if constexpr (std::is_integral<T>::value) {
            out[at[0]] = binary_value<T>(op, a[at[1]], b[at[2]]);
        } else {
            float x = to_float(a[at[1]]), y = to_float(b[at[2]]);
            out[at[0]] = from_float<T>(binary_value<float>(op, x, y));
        }
    }
}

template <typename C>
__device__ __forceinline__ bool compare_value(int op, C a, C b) {
    switch (op) {
        case EQ: return a == b;
        case NE: return a != b;
        case LT: return a < b;
        case LE: return a <= b;
        case GT: return a > b;
        default: return a >= b;
    }
}

template <typename T>
__device__ __forceinline__ void compare_body(int op, Indexer ix, long long n, uint8_t* out, const T* a, const T* b) {
    GRID_STRIDE(i, n) {
        long long at[3];
        locate<3>(ix, i, at);
        bool r;
        if constexpr (std::is_integral<T>::value) r = compare_value<T>(op, a[at[1]], b[at[2]]);
        else r = compare_value<float>(op, to_float(a[at[1]]), to_float(b[at[2]]));
        out[at[0]] = r ? 1 : 0;
    }
}

#define FLOAT_TYPES(X) X(f32, float) X(bf16, __nv_bfloat16) X(f16, __half)
#define INT_TYPES(X) X(i32, int) X(i64, long long)

#define UNARY(name, T) extern "C" __global__ void unary_##name(int op, Indexer ix, long long n, T* out, const T* x) { unary_body<T>(op, ix, n, out, x); }
#define BINARY(name, T) extern "C" __global__ void binary_##name(int op, Indexer ix, long long n, T* out, const T* a, const T* b) { binary_body<T>(op, ix, n, out, a, b); }
#define COMPARE(name, T) extern "C" __global__ void compare_##name(int op, Indexer ix, long long n, uint8_t* out, const T* a, const T* b) { compare_body<T>(op, ix, n, out, a, b); }
FLOAT_TYPES(UNARY) INT_TYPES(UNARY)
FLOAT_TYPES(BINARY) INT_TYPES(BINARY)
FLOAT_TYPES(COMPARE) INT_TYPES(COMPARE)

// ---------------------------------------------------------------- dtype-blind moves, by element size

template <typename U>
__device__ __forceinline__ void where_body(Indexer ix, long long n, U* out, const uint8_t* cond, const U* a, const U* b) {
    GRID_STRIDE(i, n) {
        long long at[4];
        locate<4>(ix, i, at);
        out[at[0]] = cond[at[1]] ? a[at[2]] : b[at[3]];
    }
}

template <typename U>
__device__ __forceinline__ void copy_body(Indexer ix, long long n, U* out, const U* x) {
    GRID_STRIDE(i, n) {
        long long at[2];
        locate<2>(ix, i, at);
        out[at[0]] = x[at[1]];
    }
}

// value: the element's bit pattern, prepared on the host for out's dtype
template <typename U>
__device__ __forceinline__ void fill_body(Indexer ix, long long n, U* out, unsigned long long value) {
    GRID_STRIDE(i, n) {
        long long at[1];
        locate<1>(ix, i, at);
        out[at[0]] = (U) value;
    }
}

#define SIZES(X) X(b1, uint8_t) X(b2, uint16_t) X(b4, uint32_t) X(b8, unsigned long long)
#define WHERE(name, U) extern "C" __global__ void where_##name(Indexer ix, long long n, U* out, const uint8_t* cond, const U* a, const U* b) { where_body<U>(ix, n, out, cond, a, b); }
#define COPY(name, U) extern "C" __global__ void copy_##name(Indexer ix, long long n, U* out, const U* x) { copy_body<U>(ix, n, out, x); }
#define FILL(name, U) extern "C" __global__ void fill_##name(Indexer ix, long long n, U* out, unsigned long long value) { fill_body<U>(ix, n, out, value); }
SIZES(WHERE) SIZES(COPY) SIZES(FILL)

// ---------------------------------------------------------------- casts (the semantics of dev.hone.tensor.Elements)

template <typename T> __device__ __forceinline__ double widen(T v) { return (double) v; }
__device__ __forceinline__ double widen(__nv_bfloat16 v) { return (double) __bfloat162float(v); }
__device__ __forceinline__ double widen(__half v) { return (double) __half2float(v); }
__device__ __forceinline__ double widen(hone_bool v) { return v.v ? 1.0 : 0.0; }

template <typename T> __device__ __forceinline__ T narrow(double v) { return (T) (long long) v; }
template <> __device__ __forceinline__ float narrow<float>(double v) { return (float) v; }
template <> __device__ __forceinline__ double narrow<double>(double v) { return v; }
template <> __device__ __forceinline__ __nv_bfloat16 narrow<__nv_bfloat16>(double v) { return __float2bfloat16_rn((float) v); }
template <> __device__ __forceinline__ __half narrow<__half>(double v) { return __float2half_rn((float) v); }
template <> __device__ __forceinline__ hone_bool narrow<hone_bool>(double v) { return hone_bool{(uint8_t) (v != 0.0 ? 1 : 0)}; }

template <typename F, typename T>
__device__ __forceinline__ void cast_body(Indexer ix, long long n, T* out, const F* x) {
    GRID_STRIDE(i, n) {
        long long at[2];
        locate<2>(ix, i, at);
        if constexpr (std::is_integral<F>::value && std::is_integral<T>::value) out[at[0]] = (T) (long long) x[at[1]];
        else out[at[0]] = narrow<T>(widen(x[at[1]]));
    }
}

#define ALL_TYPES_TO(X, from, F) X(from, F, f32, float) X(from, F, bf16, __nv_bfloat16) X(from, F, f16, __half) X(from, F, f64, double) \
    X(from, F, i8, int8_t) X(from, F, u8, uint8_t) X(from, F, i32, int) X(from, F, i64, long long) X(from, F, bool, hone_bool)
#define CAST(from, F, to, T) extern "C" __global__ void cast_##from##_##to(Indexer ix, long long n, T* out, const F* x) { cast_body<F, T>(ix, n, out, x); }
ALL_TYPES_TO(CAST, f32, float) ALL_TYPES_TO(CAST, bf16, __nv_bfloat16) ALL_TYPES_TO(CAST, f16, __half) ALL_TYPES_TO(CAST, f64, double)
ALL_TYPES_TO(CAST, i8, int8_t) ALL_TYPES_TO(CAST, u8, uint8_t) ALL_TYPES_TO(CAST, i32, int) ALL_TYPES_TO(CAST, i64, long long)
ALL_TYPES_TO(CAST, bool, hone_bool)
