// Rotary position embedding (Su et al., RoFormer 2021) on contiguous x [B, T, H, D] with F32 tables
// cos/sin [max_pos, D/2] and I32 positions [B, T]. style 0 = HALF (pairs i, i + D/2: Hugging Face's
// rotate_half), 1 = INTERLEAVED (pairs 2i, 2i + 1: Meta / llama2.c). inverse != 0 rotates by -angle
// (the backward pass). One thread per rotated pair; y may alias x.
#include "common.cuh"

template <typename T>
__device__ __forceinline__ void rope_body(long long pairs, int t_len, int heads, int d, const T* x, const float* cos_table, const float* sin_table,
                                          const int* positions, int style, int inverse, T* y) {
    int half = d / 2;
    GRID_STRIDE(p, pairs) {
        long long i = p % half;
        long long head_row = p / half;             // index over [B, T, H]
        long long bt = head_row / heads;           // index over [B, T]
        long long pos = positions[bt];
        float c = cos_table[pos * half + i];
        float s = sin_table[pos * half + i];
        if (inverse) s = -s;
        long long base = head_row * d;
        long long i1 = style == 0 ? base + i : base + 2 * i;
        long long i2 = style == 0 ? base + i + half : base + 2 * i + 1;
        float a = to_float(x[i1]), b = to_float(x[i2]);
        y[i1] = from_float<T>(a * c - b * s);
        y[i2] = from_float<T>(b * c + a * s);
    }
}

#define ROPE(name, T) extern "C" __global__ void rope_##name(long long pairs, int t_len, int heads, int d, const T* x, const float* cos_table, const float* sin_table, const int* positions, int style, int inverse, T* y) { rope_body<T>(pairs, t_len, heads, d, x, cos_table, sin_table, positions, style, inverse, y); }
ROPE(f32, float) ROPE(bf16, __nv_bfloat16)
