// Scaled dot-product attention with grouped-query heads. q [B, H, T, D], k and v [B, Hkv, S, D], out [B, H, T, D]
// contiguous; lse [B, H, T] F32. Query t sits at key position t + S - T; causal masks keys s > t + S - T; segments
// [B, S] (I32, may be null) masks keys of a different segment than the query's. A fully masked row gets out = 0 and
// lse = -inf. Backward: dq overwritten; dk and dv are F32 [B, Hkv, S, D].
//
// Two implementations. The tiled kernels (attention_tiled*, D <= 128) work flash-attention style on CUDA cores
// with F32 math: a block of 256 threads takes 64 queries (or, for dk/dv, 64 keys) and streams 64-wide tiles of
// the other side through shared memory with an online softmax, so K and V are read once per 64 queries and no
// score matrix reaches global memory. Thread (p = tid / 8, g = tid % 8) owns rows p and p + 32 of the tile and
// the columns g, g + 8, ... (two rows per thread: each value read from shared memory feeds two FMAs); the backward pass is two kernels without atomics: dq (which also writes
// delta = rowsum(dout * out)) over query tiles, then dk and dv over key tiles. The simple kernels (one block per
// query row, the whole row of scores in shared memory, dk and dv by atomics the host zeroes first) serve D > 128.
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


// ---------------------------------------------------------------- tiled kernels (D <= 128)

#define TILE 64
#define MAX_D 128
#define NO_SEGMENT (-2147483647 - 1)
#define FULL_MASK 0xffffffffu

// dst[r * ld + j] = src[r * d + j] as float for the tile's rows; rows past `rows` are zero.
template <typename T>
__device__ __forceinline__ void load_tile(float* dst, int ld, const T* src, int rows, int d) {
    for (int idx = threadIdx.x; idx < TILE * d; idx += blockDim.x) {
        int r = idx / d, j = idx - r * d;
        dst[r * ld + j] = r < rows ? to_float(src[(long long) r * d + j]) : 0.0f;
    }
}

// Segment of each query of the tile (NO_SEGMENT: no segment check) and of each key.
__device__ __forceinline__ void load_query_segments(int* segq, const int* segments, int b, int q0, int t_len, int s_len) {
    if (threadIdx.x < TILE) {
        int t = q0 + threadIdx.x, qpos = t + s_len - t_len;
        segq[threadIdx.x] = segments != nullptr && t < t_len && qpos >= 0 ? segments[(long long) b * s_len + qpos] : NO_SEGMENT;
    }
}

__device__ __forceinline__ void load_key_segments(int* segk, const int* segments, int b, int k0, int s_len) {
    if (threadIdx.x < TILE) segk[threadIdx.x] = segments != nullptr && k0 + threadIdx.x < s_len ? segments[(long long) b * s_len + k0 + threadIdx.x] : 0;
}

__device__ __forceinline__ bool tile_visible(int t, int s, int t_len, int s_len, int causal, int segq, int segk) {
    if (t >= t_len || s >= s_len) return false;
    if (causal && s > t + s_len - t_len) return false;
    return segq == NO_SEGMENT || segq == segk;
}

// One past the last key any query of [q0, q0 + rows) may see.
__device__ __forceinline__ int keys_end(int q0, int rows, int t_len, int s_len, int causal) {
    return causal ? max(0, min(s_len, q0 + rows + s_len - t_len)) : s_len;
}

// Sum and max over the 8 threads that share a pair of rows (adjacent lanes).
__device__ __forceinline__ float group_sum8(float v) {
    v += __shfl_xor_sync(FULL_MASK, v, 1);
    v += __shfl_xor_sync(FULL_MASK, v, 2);
    return v + __shfl_xor_sync(FULL_MASK, v, 4);
}
__device__ __forceinline__ float group_max8(float v) {
    v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, 1));
    v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, 2));
    return fmaxf(v, __shfl_xor_sync(FULL_MASK, v, 4));
}

#define HALF (TILE / 2)
#define COLS (TILE / 8)                                   // columns of the tile per thread
#define DCOLS (MAX_D / 8)                                 // head-vector elements per thread and row

// acc[a][i] += sum over c < n of coef[(p + 32a) * 65 + c] * tile[c * ld + g + 8i], for head elements g + 8i < d: the thread's
// two rows of a [64][65] weight tile (probabilities or score gradients) times a [64][ld] tile of head vectors.
__device__ __forceinline__ void accumulate_rows(const float* coef, const float* tile, int ld, int d, int n, int p, int g, float (&acc)[2][DCOLS]) {
    for (int c = 0; c < n; ++c) {
        float w0 = coef[p * (TILE + 1) + c], w1 = coef[(p + HALF) * (TILE + 1) + c];
#pragma unroll
        for (int i = 0; i < DCOLS; ++i) {
            if (g + 8 * i < d) {
                float t = tile[c * ld + g + 8 * i];
                acc[0][i] += w0 * t;
                acc[1][i] += w1 * t;
            }
        }
    }
}

// The query tile a block of the forward or dq grid owns: blockIdx.x runs over [B, H, ceil(T / 64)].
struct QueryTile {
    int b, h, hk, q0, rows;                               // batch, head, its KV head, first query, queries in the tile
    long long q_base, kv_base;                            // row index of (b, h, 0) in q / out and of (b, hk, 0) in k / v
};

__device__ __forceinline__ QueryTile query_tile(int heads, int kv_heads, int t_len, int s_len) {
    QueryTile t;
    int q_tiles = (t_len + TILE - 1) / TILE;
    t.q0 = (blockIdx.x % q_tiles) * TILE;
    t.h = (blockIdx.x / q_tiles) % heads;
    t.b = blockIdx.x / (q_tiles * heads);
    t.hk = t.h / (heads / kv_heads);
    t.rows = min(TILE, t_len - t.q0);
    t.q_base = ((long long) t.b * heads + t.h) * t_len;
    t.kv_base = ((long long) t.b * kv_heads + t.hk) * s_len;
    return t;
}

// Grid: B * H * ceil(T / 64) blocks of 256 threads; shared: (3 * 64 * (D + 1) + 64 * 65) floats + 128 ints.
// Thread (p = tid / 8, g = tid % 8) owns query rows p and p + 32, tile columns g + 8i and head elements g + 8i.
template <typename T>
__device__ __forceinline__ void attention_tiled_body(int heads, int kv_heads, int t_len, int s_len, int d, float scale, int causal, const int* segments,
                                                     const T* q, const T* k, const T* v, T* out, float* lse) {
    extern __shared__ float smem[];
    const int ld = d + 1;
    float* qs = smem;                                     // [64][ld] queries
    float* ks = qs + TILE * ld;                           // [64][ld] keys
    float* vs = ks + TILE * ld;                           // [64][ld] values
    float* ps = vs + TILE * ld;                           // [64][65] probabilities of the tile
    int* segq = (int*) (ps + TILE * (TILE + 1));
    int* segk = segq + TILE;
    QueryTile tile = query_tile(heads, kv_heads, t_len, s_len);
    const int b = tile.b, q0 = tile.q0, rows = tile.rows;
    const long long q_base = tile.q_base, kv_base = tile.kv_base;
    int p = threadIdx.x >> 3, g = threadIdx.x & 7;
    load_tile(qs, ld, q + (q_base + q0) * d, rows, d);
    load_query_segments(segq, segments, b, q0, t_len, s_len);
    float o[2][DCOLS], m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f};
#pragma unroll
    for (int i = 0; i < DCOLS; ++i) o[0][i] = o[1][i] = 0.0f;
    int s_end = keys_end(q0, rows, t_len, s_len, causal);
    for (int k0 = 0; k0 < s_end; k0 += TILE) {
        int cols = min(TILE, s_len - k0);
        __syncthreads();                                  // the last tile's reads are done
        load_tile(ks, ld, k + (kv_base + k0) * d, cols, d);
        load_tile(vs, ld, v + (kv_base + k0) * d, cols, d);
        load_key_segments(segk, segments, b, k0, s_len);
        __syncthreads();
        float sc[2][COLS];
#pragma unroll
        for (int i = 0; i < COLS; ++i) sc[0][i] = sc[1][i] = 0.0f;
        for (int j = 0; j < d; ++j) {
            float q0v = qs[p * ld + j], q1v = qs[(p + HALF) * ld + j];
#pragma unroll
            for (int i = 0; i < COLS; ++i) {
                float kv = ks[(g + 8 * i) * ld + j];
                sc[0][i] += q0v * kv;
                sc[1][i] += q1v * kv;
            }
        }
#pragma unroll
        for (int a = 0; a < 2; ++a) {
            int r = p + a * HALF;
            float tile_max = -INFINITY;
#pragma unroll
            for (int i = 0; i < COLS; ++i) {
                int c = g + 8 * i;
                sc[a][i] = tile_visible(q0 + r, k0 + c, t_len, s_len, causal, segq[r], segk[c]) ? sc[a][i] * scale : -INFINITY;
                tile_max = fmaxf(tile_max, sc[a][i]);
            }
            float m_new = fmaxf(m[a], group_max8(tile_max));
            float correction = m_new == -INFINITY ? 1.0f : expf(m[a] - m_new);
            float psum = 0.0f;
#pragma unroll
            for (int i = 0; i < COLS; ++i) {
                float e = m_new == -INFINITY ? 0.0f : expf(sc[a][i] - m_new);
                ps[r * (TILE + 1) + g + 8 * i] = e;
                psum += e;
            }
            l[a] = l[a] * correction + group_sum8(psum);
            m[a] = m_new;
#pragma unroll
            for (int i = 0; i < DCOLS; ++i) o[a][i] *= correction;
        }
        __syncthreads();
        accumulate_rows(ps, vs, ld, d, cols, p, g, o);    // o += P . V
    }
#pragma unroll
    for (int a = 0; a < 2; ++a) {
        int r = p + a * HALF;
        if (r < rows) {
            long long row = q_base + q0 + r;
            float inv = l[a] > 0.0f ? 1.0f / l[a] : 0.0f;
#pragma unroll
            for (int i = 0; i < DCOLS; ++i) if (g + 8 * i < d) out[row * d + g + 8 * i] = from_float<T>(o[a][i] * inv);
            if (g == 0) lse[row] = l[a] > 0.0f ? m[a] + logf(l[a]) : -INFINITY;
        }
    }
}

// sc[a][i] = x[p + 32a] . y[g + 8i] and dp[a][i] = u[p + 32a] . w[g + 8i], dot products of rows of [64][ld] tiles over
// d elements: the thread's two own rows (of x and u) against its eight strided rows (of y and w). Each value read from
// y or w feeds two FMAs. Used by both backward kernels, with queries or keys as the own rows.
__device__ __forceinline__ void row_pair_products(const float* x, const float* y, const float* u, const float* w, int ld, int d, int p, int g,
                                                  float (&sc)[2][COLS], float (&dp)[2][COLS]) {
#pragma unroll
    for (int i = 0; i < COLS; ++i) sc[0][i] = sc[1][i] = dp[0][i] = dp[1][i] = 0.0f;
    for (int j = 0; j < d; ++j) {
        float x0 = x[p * ld + j], x1 = x[(p + HALF) * ld + j], u0 = u[p * ld + j], u1 = u[(p + HALF) * ld + j];
#pragma unroll
        for (int i = 0; i < COLS; ++i) {
            float yv = y[(g + 8 * i) * ld + j], wv = w[(g + 8 * i) * ld + j];
            sc[0][i] += x0 * yv;
            sc[1][i] += x1 * yv;
            dp[0][i] += u0 * wv;
            dp[1][i] += u1 * wv;
        }
    }
}

// dq and delta over query tiles. Launched with __launch_bounds__(256, 2): capped at 128 registers (no spills) it fits
// two blocks per SM, which took the backward pass from 100.7 to 86.8 ms per SmolLM-135M-shape B16 step on an H100.
// Grid as the forward; shared: (4 * 64 * (D + 1) + 64 * 65) floats + 128 ints.
template <typename T>
__device__ __forceinline__ void attention_tiled_dq_body(int heads, int kv_heads, int t_len, int s_len, int d, float scale, int causal, const int* segments,
                                                        const T* q, const T* k, const T* v, const T* out, const float* lse, const T* dout,
                                                        T* dq, float* delta) {
    extern __shared__ float smem[];
    const int ld = d + 1;
    float* qs = smem;                                     // [64][ld]
    float* dos = qs + TILE * ld;                          // [64][ld] output gradients
    float* ks = dos + TILE * ld;                          // [64][ld]
    float* vs = ks + TILE * ld;                           // [64][ld]
    float* dss = vs + TILE * ld;                          // [64][65] score gradients of the tile
    int* segq = (int*) (dss + TILE * (TILE + 1));
    int* segk = segq + TILE;
    QueryTile tile = query_tile(heads, kv_heads, t_len, s_len);
    const int b = tile.b, q0 = tile.q0, rows = tile.rows;
    const long long q_base = tile.q_base, kv_base = tile.kv_base;
    int p = threadIdx.x >> 3, g = threadIdx.x & 7;
    load_tile(qs, ld, q + (q_base + q0) * d, rows, d);
    load_tile(dos, ld, dout + (q_base + q0) * d, rows, d);
    load_query_segments(segq, segments, b, q0, t_len, s_len);
    __syncthreads();
    float delta_r[2], lse_r[2];
#pragma unroll
    for (int a = 0; a < 2; ++a) {
        int r = p + a * HALF;
        long long row = q_base + q0 + r;
        float part = 0.0f;
        if (r < rows) {
            for (int j = g; j < d; j += 8) part += dos[r * ld + j] * to_float(out[row * d + j]);
        }
        delta_r[a] = group_sum8(part);
        lse_r[a] = r < rows ? lse[row] : -INFINITY;
        if (r < rows && g == 0) delta[row] = delta_r[a];
    }
    float acc[2][DCOLS];
#pragma unroll
    for (int i = 0; i < DCOLS; ++i) acc[0][i] = acc[1][i] = 0.0f;
    int s_end = keys_end(q0, rows, t_len, s_len, causal);
    for (int k0 = 0; k0 < s_end; k0 += TILE) {
        int cols = min(TILE, s_len - k0);
        __syncthreads();
        load_tile(ks, ld, k + (kv_base + k0) * d, cols, d);
        load_tile(vs, ld, v + (kv_base + k0) * d, cols, d);
        load_key_segments(segk, segments, b, k0, s_len);
        __syncthreads();
        float sc[2][COLS], dp[2][COLS];                  // q . k and dout . v for rows p, p + 32 and keys g + 8i
        row_pair_products(qs, ks, dos, vs, ld, d, p, g, sc, dp);
#pragma unroll
        for (int a = 0; a < 2; ++a) {
            int r = p + a * HALF;
#pragma unroll
            for (int i = 0; i < COLS; ++i) {
                int c = g + 8 * i;
                float ds = 0.0f;
                if (lse_r[a] != -INFINITY && tile_visible(q0 + r, k0 + c, t_len, s_len, causal, segq[r], segk[c])) {
                    ds = expf(sc[a][i] * scale - lse_r[a]) * (dp[a][i] - delta_r[a]);
                }
                dss[r * (TILE + 1) + c] = ds;
            }
        }
        __syncthreads();
        accumulate_rows(dss, ks, ld, d, cols, p, g, acc); // dq += dS . K
    }
#pragma unroll
    for (int a = 0; a < 2; ++a) {
        int r = p + a * HALF;
        if (r < rows) {
            long long row = q_base + q0 + r;
#pragma unroll
            for (int i = 0; i < DCOLS; ++i) if (g + 8 * i < d) dq[row * d + g + 8 * i] = from_float<T>(scale * acc[a][i]);
        }
    }
}

// dk and dv over key tiles, summed over the query heads that share the KV head. Grid: B * Hkv * ceil(S / 64) blocks
// of 256 threads; shared: (4 * 64 * (D + 1) + 2 * 64 * 65 + 128) floats + 128 ints. Runs after the dq kernel (delta).
// Thread (p, g) owns key rows p and p + 32, query columns g + 8i of each query tile and head elements g + 8i.
template <typename T>
__device__ __forceinline__ void attention_tiled_dkv_body(int heads, int kv_heads, int t_len, int s_len, int d, float scale, int causal, const int* segments,
                                                         const T* q, const T* k, const T* v, const float* lse, const float* delta, const T* dout,
                                                         float* dk, float* dv) {
    extern __shared__ float smem[];
    const int ld = d + 1;
    float* ks = smem;                                     // [64][ld] this block's keys
    float* vs = ks + TILE * ld;                           // [64][ld] and values
    float* qs = vs + TILE * ld;                           // [64][ld] a tile of queries
    float* dos = qs + TILE * ld;                          // [64][ld] and their output gradients
    float* ps = dos + TILE * ld;                          // [64 keys][65] probabilities
    float* dss = ps + TILE * (TILE + 1);                  // [64 keys][65] score gradients
    float* lse_s = dss + TILE * (TILE + 1);               // [64]
    float* delta_s = lse_s + TILE;                        // [64]
    int* segq = (int*) (delta_s + TILE);
    int* segk = segq + TILE;
    int k_tiles = (s_len + TILE - 1) / TILE;
    int k0 = (blockIdx.x % k_tiles) * TILE;
    int hk = (blockIdx.x / k_tiles) % kv_heads;
    int b = blockIdx.x / (k_tiles * kv_heads);
    int group = heads / kv_heads;
    int cols = min(TILE, s_len - k0);
    int p = threadIdx.x >> 3, g = threadIdx.x & 7;
    long long kv_base = ((long long) b * kv_heads + hk) * s_len;
    load_tile(ks, ld, k + (kv_base + k0) * d, cols, d);
    load_tile(vs, ld, v + (kv_base + k0) * d, cols, d);
    load_key_segments(segk, segments, b, k0, s_len);
    float dka[2][DCOLS], dva[2][DCOLS];
#pragma unroll
    for (int i = 0; i < DCOLS; ++i) dka[0][i] = dka[1][i] = dva[0][i] = dva[1][i] = 0.0f;
    int q_first = causal ? max(0, k0 - (s_len - t_len)) / TILE * TILE : 0;
    for (int h = hk * group; h < (hk + 1) * group; ++h) {
        long long q_base = ((long long) b * heads + h) * t_len;
        for (int q0 = q_first; q0 < t_len; q0 += TILE) {
            int rows = min(TILE, t_len - q0);
            __syncthreads();
            load_tile(qs, ld, q + (q_base + q0) * d, rows, d);
            load_tile(dos, ld, dout + (q_base + q0) * d, rows, d);
            load_query_segments(segq, segments, b, q0, t_len, s_len);
            if (threadIdx.x < TILE) {
                lse_s[threadIdx.x] = threadIdx.x < rows ? lse[q_base + q0 + threadIdx.x] : -INFINITY;
                delta_s[threadIdx.x] = threadIdx.x < rows ? delta[q_base + q0 + threadIdx.x] : 0.0f;
            }
            __syncthreads();
            float sc[2][COLS], dp[2][COLS];              // k . q and v . dout for keys p, p + 32 and queries g + 8i
            row_pair_products(ks, qs, vs, dos, ld, d, p, g, sc, dp);
#pragma unroll
            for (int a = 0; a < 2; ++a) {
                int c = p + a * HALF;
#pragma unroll
                for (int i = 0; i < COLS; ++i) {
                    int r = g + 8 * i;
                    float pr = 0.0f, ds = 0.0f;
                    if (lse_s[r] != -INFINITY && tile_visible(q0 + r, k0 + c, t_len, s_len, causal, segq[r], segk[c])) {
                        pr = expf(sc[a][i] * scale - lse_s[r]);
                        ds = pr * (dp[a][i] - delta_s[r]);
                    }
                    ps[c * (TILE + 1) + r] = pr;
                    dss[c * (TILE + 1) + r] = ds;
                }
            }
            __syncthreads();
            for (int r = 0; r < rows; ++r) {             // dv += Pᵀ . dout and dk += dSᵀ . q (scaled at the end), in one pass
                float p0 = ps[p * (TILE + 1) + r], p1 = ps[(p + HALF) * (TILE + 1) + r];
                float ds0 = dss[p * (TILE + 1) + r], ds1 = dss[(p + HALF) * (TILE + 1) + r];
#pragma unroll
                for (int i = 0; i < DCOLS; ++i) {
                    if (g + 8 * i < d) {
                        float gv = dos[r * ld + g + 8 * i], qv = qs[r * ld + g + 8 * i];
                        dva[0][i] += p0 * gv;
                        dva[1][i] += p1 * gv;
                        dka[0][i] += ds0 * qv;
                        dka[1][i] += ds1 * qv;
                    }
                }
            }
        }
    }
#pragma unroll
    for (int a = 0; a < 2; ++a) {
        int c = p + a * HALF;
        if (c < cols) {
            long long at = (kv_base + k0 + c) * d;
#pragma unroll
            for (int i = 0; i < DCOLS; ++i) {
                if (g + 8 * i < d) {
                    dk[at + g + 8 * i] = scale * dka[a][i];
                    dv[at + g + 8 * i] = dva[a][i];
                }
            }
        }
    }
}

#define ATTENTION(name, T) \
    extern "C" __global__ void attention_##name(int heads, int kv_heads, int t_len, int s_len, int d, float scale, int causal, const int* segments, const T* q, const T* k, const T* v, T* out, float* lse) { attention_body<T>(heads, kv_heads, t_len, s_len, d, scale, causal, segments, q, k, v, out, lse); } \
    extern "C" __global__ void attention_backward_##name(int heads, int kv_heads, int t_len, int s_len, int d, float scale, int causal, const int* segments, const T* q, const T* k, const T* v, const T* out, const float* lse, const T* dout, T* dq, float* dk, float* dv) { attention_backward_body<T>(heads, kv_heads, t_len, s_len, d, scale, causal, segments, q, k, v, out, lse, dout, dq, dk, dv); } \
    extern "C" __global__ void attention_tiled_##name(int heads, int kv_heads, int t_len, int s_len, int d, float scale, int causal, const int* segments, const T* q, const T* k, const T* v, T* out, float* lse) { attention_tiled_body<T>(heads, kv_heads, t_len, s_len, d, scale, causal, segments, q, k, v, out, lse); } \
    extern "C" __global__ void __launch_bounds__(256, 2) attention_tiled_dq_##name(int heads, int kv_heads, int t_len, int s_len, int d, float scale, int causal, const int* segments, const T* q, const T* k, const T* v, const T* out, const float* lse, const T* dout, T* dq, float* delta) { attention_tiled_dq_body<T>(heads, kv_heads, t_len, s_len, d, scale, causal, segments, q, k, v, out, lse, dout, dq, delta); } \
    extern "C" __global__ void attention_tiled_dkv_##name(int heads, int kv_heads, int t_len, int s_len, int d, float scale, int causal, const int* segments, const T* q, const T* k, const T* v, const float* lse, const float* delta, const T* dout, float* dk, float* dv) { attention_tiled_dkv_body<T>(heads, kv_heads, t_len, s_len, d, scale, causal, segments, q, k, v, lse, delta, dout, dk, dv); }
ATTENTION(f32, float) ATTENTION(bf16, __nv_bfloat16)
