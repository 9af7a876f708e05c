// RMSNorm over the last axis of contiguous x [rows, D] (Zhang and Sennrich 2019):
// y = x * rstd * weight, rstd = rsqrt(mean(x^2) + eps) saved as F32 [rows]. Backward:
// dx = rstd * (w*dy) - x * rstd^3 / D * sum(w*dy*x); dweight partial sums sum_rows(dy * x * rstd) are
// atomically added into an F32 [D] buffer (null when the weight is frozen). One block per row.
#include "common.cuh"

template <typename T>
__device__ __forceinline__ void rmsnorm_body(long long rows, int d, const T* x, const T* weight, float eps, T* y, float* rstd) {
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* xr = x + r * d;
        float s = 0.0f;
        for (int c = threadIdx.x; c < d; c += blockDim.x) { float v = to_float(xr[c]); s += v * v; }
        s = block_sum(s);
        float inv = rsqrtf(s / d + eps);
        for (int c = threadIdx.x; c < d; c += blockDim.x) y[r * d + c] = from_float<T>(to_float(xr[c]) * inv * to_float(weight[c]));
        if (threadIdx.x == 0) rstd[r] = inv;
    }
}

template <typename T>
__device__ __forceinline__ void rmsnorm_backward_body(long long rows, int d, const T* x, const T* weight, const float* rstd, const T* dy, T* dx, float* dweight) {
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* xr = x + r * d;
        const T* dyr = dy + r * d;
        float inv = rstd[r];
        float s = 0.0f;
        for (int c = threadIdx.x; c < d; c += blockDim.x) s += to_float(weight[c]) * to_float(dyr[c]) * to_float(xr[c]);
        s = block_sum(s);
        float k = inv * inv * inv * s / d;
        for (int c = threadIdx.x; c < d; c += blockDim.x) {
            float xv = to_float(xr[c]), g = to_float(dyr[c]);
            dx[r * d + c] = from_float<T>(inv * to_float(weight[c]) * g - xv * k);
            if (dweight != nullptr) atomicAdd(dweight + c, g * xv * inv);
        }
    }
}

#define RMSNORM(name, T) \
    extern "C" __global__ void rmsnorm_##name(long long rows, int d, const T* x, const T* weight, float eps, T* y, float* rstd) { rmsnorm_body<T>(rows, d, x, weight, eps, y, rstd); } \
    extern "C" __global__ void rmsnorm_backward_##name(long long rows, int d, const T* x, const T* weight, const float* rstd, const T* dy, T* dx, float* dweight) { rmsnorm_backward_body<T>(rows, d, x, weight, rstd, dy, dx, dweight); }
RMSNORM(f32, float) RMSNORM(bf16, __nv_bfloat16)
