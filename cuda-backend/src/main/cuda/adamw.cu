// One AdamW step in place (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019)
// on contiguous tensors: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// p -= lr * (m / bc1 / (sqrt(v / bc2) + eps) + wd * p), with bc1 = 1 - b1^step, bc2 = 1 - b2^step computed
// on the host in double. m and v are F32; p and g share a dtype (F32 or BF16, math in F32).
#include "common.cuh"

template <typename T>
__device__ __forceinline__ void adamw_body(long long n, T* param, const T* grad, float* m, float* v, float lr, float b1, float b2,
                                           float eps, float wd, float bc1, float bc2) {
    GRID_STRIDE(i, n) {
        float g = to_float(grad[i]);
        float mi = b1 * m[i] + (1.0f - b1) * g;
        float vi = b2 * v[i] + (1.0f - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        float p = to_float(param[i]);
        p -= lr * ((mi / bc1) / (sqrtf(vi / bc2) + eps) + wd * p);
        param[i] = from_float<T>(p);
    }
}

#define ADAMW(name, T) extern "C" __global__ void adamw_##name(long long n, T* param, const T* grad, float* m, float* v, float lr, float b1, float b2, float eps, float wd, float bc1, float bc2) { adamw_body<T>(n, param, grad, m, v, lr, b1, b2, eps, wd, bc1, bc2); }
ADAMW(f32, float) ADAMW(bf16, __nv_bfloat16)
