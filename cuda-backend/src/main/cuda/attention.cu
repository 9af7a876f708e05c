// Scaled dot-product attention with grouped-query heads, one block per query row (b, h, t): a simple,
// exact kernel (scores for the whole row live in dynamic shared memory, S floats), not a flash kernel.
// q [B, H, T, D], k and v [B, Hkv, S, D], out [B, H, T, D] contiguous; lse [B, H, T] F32. Query t sits at
// key position t + S - T; causal masks keys s > t + S - T; segments [B, S] (I32, may be null) masks keys
// of a different segment than the query's. A fully masked row gets out = 0 and lse = -inf.
// Backward (same grid): dq overwritten; dk and dv are F32 accumulators the host zeroes first.
#include "common.cuh"

__device__ __forceinline__ bool visible(int b, int t, int s, int t_len, int s_len, int causal, const int* segments) {
    int qpos = t + s_len - t_len;
    if (causal && s > qpos) return false;
    if (segments != nullptr && qpos >= 0 && segments[(long long) b * s_len + s] != segments[(long long) b * s_len + qpos]) return false;
    return true;
}

template <typename T>
__device__ __forceinline__ void attention_body(int heads, int kv_heads, int t_len, int s_len, int d, float scale, int causal, const int* segments,
                                               const T* q, const T* k, const T* v, T* out, float* lse) {
    extern __shared__ float scores[];
    long long row = blockIdx.x;                           // over [B, H, T]
    int t = row % t_len;
    int h = (row / t_len) % heads;
    int b = row / ((long long) t_len * heads);
    int hk = h / (heads / kv_heads);
    const T* qr = q + row * d;
    const T* kb = k + ((long long) b * kv_heads + hk) * s_len * d;
    const T* vb = v + ((long long) b * kv_heads + hk) * s_len * d;
    float m = -INFINITY;
    for (int s = threadIdx.x; s < s_len; s += blockDim.x) {
        float score = -INFINITY;
        if (visible(b, t, s, t_len, s_len, causal, segments)) {
            score = 0.0f;
            for (int j = 0; j < d; ++j) score += to_float(qr[j]) * to_float(kb[(long long) s * d + j]);
            score *= scale;
        }
        scores[s] = score;
        m = fmaxf(m, score);
    }
    m = block_max(m);
    float sum = 0.0f;
    for (int s = threadIdx.x; s < s_len; s += blockDim.x) {
        float p = m == -INFINITY ? 0.0f : expf(scores[s] - m);
        scores[s] = p;
        sum += p;
    }
    sum = block_sum(sum);
    __syncthreads();
    for (int j = threadIdx.x; j < d; j += blockDim.x) {
        float acc = 0.0f;
        for (int s = 0; s < s_len; ++s) acc += scores[s] * to_float(vb[(long long) s * d + j]);
        out[row * d + j] = from_float<T>(sum > 0.0f ? acc / sum : 0.0f);
    }
    if (threadIdx.x == 0) lse[row] = sum > 0.0f ? m + logf(sum) : -INFINITY;
}

template <typename T>
__device__ __forceinline__ void attention_backward_body(int heads, int kv_heads, int t_len, int s_len, int d, float scale, int causal, const int* segments,
                                                        const T* q, const T* k, const T* v, const T* out, const float* lse, const T* dout,
                                                        T* dq, float* dk, float* dv) {
    extern __shared__ float ds[];                         // dS for the row, S floats
    long long row = blockIdx.x;
    int t = row % t_len;
    int h = (row / t_len) % heads;
    int b = row / ((long long) t_len * heads);
    int hk = h / (heads / kv_heads);
    long long kv_base = ((long long) b * kv_heads + hk) * s_len * d;
    const T* qr = q + row * d;
    const T* dor = dout + row * d;
    float l = lse[row];
    float delta = 0.0f;                                   // sum_j dout_j * out_j
    for (int j = threadIdx.x; j < d; j += blockDim.x) delta += to_float(dor[j]) * to_float(out[row * d + j]);
    delta = block_sum(delta);
    for (int s = threadIdx.x; s < s_len; s += blockDim.x) {
        float g = 0.0f;
        if (l != -INFINITY && visible(b, t, s, t_len, s_len, causal, segments)) {
            float score = 0.0f, dp = 0.0f;
            for (int j = 0; j < d; ++j) {
                score += to_float(qr[j]) * to_float(k[kv_base + (long long) s * d + j]);
                dp += to_float(dor[j]) * to_float(v[kv_base + (long long) s * d + j]);
            }
            float p = expf(score * scale - l);
            g = p * (dp - delta);
            for (int j = 0; j < d; ++j) atomicAdd(dv + kv_base + (long long) s * d + j, p * to_float(dor[j]));
        }
        ds[s] = g;
    }
    __syncthreads();
    for (int j = threadIdx.x; j < d; j += blockDim.x) {
        float acc = 0.0f;
        float qj = to_float(qr[j]);
        for (int s = 0; s < s_len; ++s) {
            if (ds[s] == 0.0f) continue;
            acc += ds[s] * to_float(k[kv_base + (long long) s * d + j]);
            atomicAdd(dk + kv_base + (long long) s * d + j, scale * ds[s] * qj);
        }
        dq[row * d + j] = from_float<T>(scale * acc);
    }
}

#define ATTENTION(name, T) \
    extern "C" __global__ void attention_##name(int heads, int kv_heads, int t_len, int s_len, int d, float scale, int causal, const int* segments, const T* q, const T* k, const T* v, T* out, float* lse) { attention_body<T>(heads, kv_heads, t_len, s_len, d, scale, causal, segments, q, k, v, out, lse); } \
    extern "C" __global__ void attention_backward_##name(int heads, int kv_heads, int t_len, int s_len, int d, float scale, int causal, const int* segments, const T* q, const T* k, const T* v, const T* out, const float* lse, const T* dout, T* dq, float* dk, float* dv) { attention_backward_body<T>(heads, kv_heads, t_len, s_len, d, scale, causal, segments, q, k, v, out, lse, dout, dq, dk, dv); }
ATTENTION(f32, float) ATTENTION(bf16, __nv_bfloat16)
