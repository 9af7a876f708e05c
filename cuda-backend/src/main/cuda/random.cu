// Counter-based random fills, bit-compatible with dev.hone.tensor.CounterRandom: element i of a fill
// depends only on (seed, i), through SplitMix64 (Steele, Lea, Flood, OOPSLA 2014). Values are computed
// in double and converted to out's dtype as dev.hone.tensor.Elements does (via float for 16-bit types).
// kind: 0 UNIFORM [a, b), 1 NORMAL (mean a, std b; Box-Muller on counters 2i, 2i+1), 2 BERNOULLI (p = a).
#include "common.cuh"
#include <type_traits>

__device__ __forceinline__ unsigned long long mix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

__device__ __forceinline__ double unit(unsigned long long mixed_seed, long long counter) {
    unsigned long long bits = mix64(mixed_seed + (unsigned long long) (counter + 1) * 0x9E3779B97F4A7C15ull);
    return (double) (bits >> 11) * 0x1.0p-53;
}

template <typename T>
__device__ __forceinline__ void random_body(int kind, unsigned long long seed, double a, double b, Indexer ix, long long n, T* out) {
    unsigned long long mixed = mix64(seed);
    GRID_STRIDE(i, n) {
        long long at[1];
        locate<1>(ix, i, at);
        double v;
        if (kind == 0) v = a + (b - a) * unit(mixed, i);
        else if (kind == 1) {
            double u1 = unit(mixed, 2 * i), u2 = unit(mixed, 2 * i + 1);
            v = a + b * sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * 3.141592653589793 * u2);
        } else v = unit(mixed, i) < a ? 1.0 : 0.0;
        if constexpr (std::is_same<T, double>::value) out[at[0]] = v;
        else out[at[0]] = from_float<T>((float) v);
    }
}

#define RANDOM(name, T) extern "C" __global__ void random_##name(int kind, unsigned long long seed, double a, double b, Indexer ix, long long n, T* out) { random_body<T>(kind, seed, a, b, ix, n, out); }
RANDOM(f32, float) RANDOM(bf16, __nv_bfloat16) RANDOM(f16, __half) RANDOM(f64, double)
