// NF4 (Dettmers et al., "QLoRA", 2023) in bitsandbytes' layout: two 4-bit codes per byte, the EVEN element
// in the HIGH nibble; one F32 absmax per block of block_size consecutive elements; a 16-entry F32 code
// table. Element i = table[code(i)] * absmax[i / block_size].
// nf4_dequantize: n elements to out. nf4_gemv: y[m, r] = sum_k W[r, k] * x[m, k] for W [rows, k_dim]
// stored row-major as NF4 (k_dim even), one block per (r, m) pair: the decoding-time matrix-vector
// product that never materialises the dense weight.
#include "common.cuh"

__device__ __forceinline__ int nf4_code(const uint8_t* codes, long long i) {
    uint8_t byte = codes[i >> 1];
    return (i & 1) == 0 ? byte >> 4 : byte & 15;
}

template <typename T>
__device__ __forceinline__ void nf4_dequantize_body(long long n, const uint8_t* codes, const float* absmax, int block_size, const float* table, T* out) {
    GRID_STRIDE(i, n) out[i] = from_float<T>(table[nf4_code(codes, i)] * absmax[i / block_size]);
}

template <typename T>
__device__ __forceinline__ void nf4_gemv_body(int rows, int k_dim, const uint8_t* codes, const float* absmax, int block_size, const float* table,
                                              const T* x, T* y) {
    __shared__ float lut[16];
    if (threadIdx.x < 16) lut[threadIdx.x] = table[threadIdx.x];
    __syncthreads();
    int r = blockIdx.x, m = blockIdx.y;
    const T* xm = x + (long long) m * k_dim;
    long long row_start = (long long) r * k_dim;
    float acc = 0.0f;
    for (int k = 2 * threadIdx.x; k < k_dim; k += 2 * blockDim.x) {   // one byte (two codes) per step
        long long i = row_start + k;
        uint8_t byte = codes[i >> 1];
        float w0 = lut[byte >> 4] * absmax[i / block_size];
        float w1 = lut[byte & 15] * absmax[(i + 1) / block_size];
        acc += w0 * to_float(xm[k]) + w1 * to_float(xm[k + 1]);
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) y[(long long) m * rows + r] = from_float<T>(acc);
}

#define NF4(name, T) \
    extern "C" __global__ void nf4_dequantize_##name(long long n, const uint8_t* codes, const float* absmax, int block_size, const float* table, T* out) { nf4_dequantize_body<T>(n, codes, absmax, block_size, table, out); } \
    extern "C" __global__ void nf4_gemv_##name(int rows, int k_dim, const uint8_t* codes, const float* absmax, int block_size, const float* table, const T* x, T* y) { nf4_gemv_body<T>(rows, k_dim, codes, absmax, block_size, table, x, y); }
NF4(f32, float) NF4(bf16, __nv_bfloat16)
