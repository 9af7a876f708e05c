// SwiGLU gate (Shazeer 2020) on contiguous tensors: y = silu(gate) * up, silu(g) = g * sigmoid(g).
// Backward: dgate = dy * up * sigmoid(g) * (1 + g * (1 - sigmoid(g))), dup = dy * silu(g).
#include "common.cuh"

template <typename T>
__device__ __forceinline__ void swiglu_body(long long n, const T* gate, const T* up, T* y) {
    GRID_STRIDE(i, n) {
        float g = to_float(gate[i]);
        y[i] = from_float<T>(g / (1.0f + expf(-g)) * to_float(up[i]));
    }
}

template <typename T>
__device__ __forceinline__ void swiglu_backward_body(long long n, const T* gate, const T* up, const T* dy, T* dgate, T* dup) {
    GRID_STRIDE(i, n) {
        float g = to_float(gate[i]), u = to_float(up[i]), d = to_float(dy[i]);
        float sig = 1.0f / (1.0f + expf(-g));
        dgate[i] = from_float<T>(d * u * sig * (1.0f + g * (1.0f - sig)));
        dup[i] = from_float<T>(d * g * sig);
    }
}

#define SWIGLU(name, T) \
    extern "C" __global__ void swiglu_##name(long long n, const T* gate, const T* up, T* y) { swiglu_body<T>(n, gate, up, y); } \
    extern "C" __global__ void swiglu_backward_##name(long long n, const T* gate, const T* up, const T* dy, T* dgate, T* dup) { swiglu_backward_body<T>(n, gate, up, dy, dgate, dup); }
SWIGLU(f32, float) SWIGLU(bf16, __nv_bfloat16)
