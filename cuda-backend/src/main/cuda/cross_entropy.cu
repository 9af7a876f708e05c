// Per-row cross-entropy of contiguous logits [rows, V] against integer targets [rows]:
// loss = lse - logits[target], lse = log(sum(exp(logits))); rows whose target is ignore_index get loss 0
// (lse is still written). Backward: dlogits = dloss * (softmax(logits) - onehot(target)), 0 for ignored rows.
// loss, lse and dloss are F32. One block per row.
#include "common.cuh"

template <typename T, typename I>
__device__ __forceinline__ void cross_entropy_body(long long rows, int vocab, const T* logits, const I* targets, int ignore_index, float* loss, float* lse) {
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* row = logits + r * vocab;
        float m = -INFINITY;
        for (int c = threadIdx.x; c < vocab; c += blockDim.x) m = fmaxf(m, to_float(row[c]));
        m = block_max(m);
        float s = 0.0f;
        for (int c = threadIdx.x; c < vocab; c += blockDim.x) s += expf(to_float(row[c]) - m);
        s = block_sum(s);
        if (threadIdx.x == 0) {
            float l = m + logf(s);
            long long t = (long long) targets[r];
            lse[r] = l;
            loss[r] = (t == ignore_index || t < 0 || t >= vocab) ? 0.0f : l - to_float(row[t]);
        }
    }
}

template <typename T, typename I>
__device__ __forceinline__ void cross_entropy_backward_body(long long rows, int vocab, const T* logits, const I* targets, int ignore_index, const float* lse, const float* dloss, T* dlogits) {
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* row = logits + r * vocab;
        T* drow = dlogits + r * vocab;
        long long t = (long long) targets[r];
        bool ignored = t == ignore_index || t < 0 || t >= vocab;
        float g = dloss[r], l = lse[r];
        for (int c = threadIdx.x; c < vocab; c += blockDim.x) {
            float p = expf(to_float(row[c]) - l);
            drow[c] = from_float<T>(ignored ? 0.0f : g * (p - (c == t ? 1.0f : 0.0f)));
        }
    }
}

#define CROSS_ENTROPY(name, T, iname, I) \
    extern "C" __global__ void cross_entropy_##name##_##iname(long long rows, int vocab, const T* logits, const I* targets, int ignore_index, float* loss, float* lse) { cross_entropy_body<T, I>(rows, vocab, logits, targets, ignore_index, loss, lse); } \
    extern "C" __global__ void cross_entropy_backward_##name##_##iname(long long rows, int vocab, const T* logits, const I* targets, int ignore_index, const float* lse, const float* dloss, T* dlogits) { cross_entropy_backward_body<T, I>(rows, vocab, logits, targets, ignore_index, lse, dloss, dlogits); }
CROSS_ENTROPY(f32, float, i32, int) CROSS_ENTROPY(f32, float, i64, long long)
CROSS_ENTROPY(bf16, __nv_bfloat16, i32, int) CROSS_ENTROPY(bf16, __nv_bfloat16, i64, long long)
