// Row-wise softmax and log-softmax over the last axis, forward and backward, for contiguous [rows, cols]
// tensors. One block per row; statistics in F32. Formulas: y = exp(x - max) / sum; dx = y * (dy - sum(dy*y));
// log-softmax y = x - max - log(sum exp(x - max)); dx = dy - exp(y) * sum(dy).
#include "common.cuh"

template <typename T>
__device__ __forceinline__ void softmax_body(long long rows, int cols, const T* x, T* y, bool log_form) {
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* xr = x + r * cols;
        T* yr = y + r * cols;
        float m = -INFINITY;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, to_float(xr[c]));
        m = block_max(m);
        float s = 0.0f;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) s += expf(to_float(xr[c]) - m);
        s = block_sum(s);
        float log_s = logf(s);
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float v = to_float(xr[c]) - m;
            yr[c] = from_float<T>(log_form ? v - log_s : expf(v) / s);
        }
    }
}

template <typename T>
__device__ __forceinline__ void softmax_backward_body(long long rows, int cols, const T* y, const T* dy, T* dx, bool log_form) {
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* yr = y + r * cols;
        const T* dyr = dy + r * cols;
        T* dxr = dx + r * cols;
        float s = 0.0f;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) s += log_form ? to_float(dyr[c]) : to_float(dyr[c]) * to_float(yr[c]);
        s = block_sum(s);
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float yv = to_float(yr[c]), g = to_float(dyr[c]);
            dxr[c] = from_float<T>(log_form ? g - expf(yv) * s : yv * (g - s));
        }
    }
}

#define SOFTMAX(name, T) \
    extern "C" __global__ void softmax_##name(long long rows, int cols, const T* x, T* y) { softmax_body<T>(rows, cols, x, y, false); } \
    extern "C" __global__ void log_softmax_##name(long long rows, int cols, const T* x, T* y) { softmax_body<T>(rows, cols, x, y, true); } \
    extern "C" __global__ void softmax_backward_##name(long long rows, int cols, const T* y, const T* dy, T* dx) { softmax_backward_body<T>(rows, cols, y, dy, dx, false); } \
    extern "C" __global__ void log_softmax_backward_##name(long long rows, int cols, const T* y, const T* dy, T* dx) { softmax_backward_body<T>(rows, cols, y, dy, dx, true); }
SOFTMAX(f32, float) SOFTMAX(bf16, __nv_bfloat16)
