// Shared device helpers for Hone's kernels: dtype conversions, the strided Indexer and block reductions.
// Invariant: struct Indexer has the exact byte layout that dev.hone.cuda.kernel.Indexer writes on the host
// (328 bytes, 8-byte aligned); every kernel file includes this header and is compiled with nvcc -ptx.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <stdint.h>

#define HONE_MAX_RANK 8
#define HONE_MAX_OPERANDS 4

// Up to four views (operand 0 is usually the output) sharing one shape; element offsets and strides in elements.
struct Indexer {
    long long offset[HONE_MAX_OPERANDS];
    long long stride[HONE_MAX_OPERANDS][HONE_MAX_RANK];
    int dim[HONE_MAX_RANK];
    int rank;
    int unused;
};

// Element offsets of linear (row-major) element i for the first `operands` views.
template <int OPERANDS>
__device__ __forceinline__ void locate(const Indexer& ix, long long i, long long (&at)[OPERANDS]) {
#pragma unroll
    for (int k = 0; k < OPERANDS; ++k) at[k] = ix.offset[k];
    for (int d = ix.rank - 1; d >= 0; --d) {
        long long size = ix.dim[d];
        long long q = i / size;
        long long r = i - q * size;
        i = q;
#pragma unroll
        for (int k = 0; k < OPERANDS; ++k) at[k] += r * ix.stride[k][d];
    }
}

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(__nv_bfloat16 v) { return __bfloat162float(v); }
__device__ __forceinline__ float to_float(__half v) { return __half2float(v); }

template <typename T> __device__ __forceinline__ T from_float(float v);
template <> __device__ __forceinline__ float from_float<float>(float v) { return v; }
template <> __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <> __device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }

#define GRID_STRIDE(i, n) for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < (n); i += (long long) blockDim.x * gridDim.x)

// Sum of v over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
__device__ __forceinline__ float block_sum(float v) {
    __shared__ float partial[32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = lane < warps ? partial[lane] : 0.0f;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Maximum of v over the block; every thread gets the result.
__device__ __forceinline__ float block_max(float v) {
    __shared__ float partial[32];
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = lane < warps ? partial[lane] : -INFINITY;
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}
