// Reductions over arbitrary axes. The host permutes x so the reduced axes come last and passes two
// Indexers: `outer` (operand 0 = out, operand 1 = x over the kept axes) and `inner` (operand 0 = x over
// the reduced axes, offset 0). One block reduces one output element; accumulation is F32.
// Op codes are dev.hone.tensor.spi.ReduceOp ordinals (ARGMAX has its own kernel and an I64 output).
#include "common.cuh"

enum ReduceOp { SUM, MEAN, MAX, MIN, ARGMAX };

template <typename T>
__device__ __forceinline__ void reduce_body(int op, Indexer outer, Indexer inner, long long n_out, long long n_inner, T* out, const T* x) {
    for (long long o = blockIdx.x; o < n_out; o += gridDim.x) {
        long long base[2];
        locate<2>(outer, o, base);
        float acc = op == MAX ? -INFINITY : (op == MIN ? INFINITY : 0.0f);
        bool nan = false;
        for (long long r = threadIdx.x; r < n_inner; r += blockDim.x) {
            long long at[1];
            locate<1>(inner, r, at);
            float v = to_float(x[base[1] + at[0]]);
            if (op == MAX) { nan |= v != v; acc = fmaxf(acc, v); }
            else if (op == MIN) { nan |= v != v; acc = fminf(acc, v); }
            else acc += v;
        }
        float result;
        if (op == MAX) result = block_max(acc);
        else if (op == MIN) result = -block_max(-acc);
        else result = block_sum(acc);
        bool any_nan = block_sum(nan ? 1.0f : 0.0f) > 0.0f;
        if (op == MEAN) result /= (float) n_inner;
        if ((op == MAX || op == MIN) && any_nan) result = __int_as_float(0x7fc00000);
        if (threadIdx.x == 0) out[base[0]] = from_float<T>(result);
        __syncthreads();
    }
}

// First index of the maximum (NaN counts as the maximum, as in PyTorch).
template <typename T>
__device__ __forceinline__ void argmax_body(Indexer outer, Indexer inner, long long n_out, long long n_inner, long long* out, const T* x) {
    __shared__ float best_value[1024];
    __shared__ long long best_index[1024];
    for (long long o = blockIdx.x; o < n_out; o += gridDim.x) {
        long long base[2];
        locate<2>(outer, o, base);
        float best = -INFINITY;
        long long where = -1;
        for (long long r = threadIdx.x; r < n_inner; r += blockDim.x) {
            long long at[1];
            locate<1>(inner, r, at);
            float v = to_float(x[base[1] + at[0]]);
            bool better = where < 0 || (v != v && best == best) || v > best;
            if (better && !(best != best)) { best = v; where = r; }
        }
        best_value[threadIdx.x] = best;
        best_index[threadIdx.x] = where;
        __syncthreads();
        for (int s = blockDim.x / 2; s > 0; s >>= 1) {
            if (threadIdx.x < s) {
                float v = best_value[threadIdx.x + s];
                long long w = best_index[threadIdx.x + s];
                float b = best_value[threadIdx.x];
                long long bw = best_index[threadIdx.x];
                bool take = w >= 0 && (bw < 0 || (v != v && b == b) || (v > b) || ((v == b || (v != v && b != b)) && w < bw));
                if (take) { best_value[threadIdx.x] = v; best_index[threadIdx.x] = w; }
            }
            __syncthreads();
        }
        if (threadIdx.x == 0) out[base[0]] = best_index[0] < 0 ? 0 : best_index[0];
        __syncthreads();
    }
}

#define REDUCE(name, T) \
    extern "C" __global__ void reduce_##name(int op, Indexer outer, Indexer inner, long long n_out, long long n_inner, T* out, const T* x) { reduce_body<T>(op, outer, inner, n_out, n_inner, out, x); } \
    extern "C" __global__ void argmax_##name(Indexer outer, Indexer inner, long long n_out, long long n_inner, long long* out, const T* x) { argmax_body<T>(outer, inner, n_out, n_inner, out, x); }
REDUCE(f32, float) REDUCE(bf16, __nv_bfloat16) REDUCE(f16, __half)
