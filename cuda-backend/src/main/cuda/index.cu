// gather and scatter_add along one axis (torch.gather / torch.Tensor.scatter_add_ semantics).
// Indexer operands: 0 = out (gather) or src (scatter), 1 = index, 2 = x (gather) or out (scatter) with the
// axis stride zeroed, so locate() yields the row base; axis_stride and axis_size describe the indexed axis.
// An index outside [0, axis_size) sets *error to 1 + the offending element's linear position (first one
// wins) and is skipped; the host checks *error after the launch and throws naming it.
#include "common.cuh"

template <typename U, typename I>
__device__ __forceinline__ void gather_body(Indexer ix, long long n, long long axis_stride, long long axis_size, U* out, const I* index, const U* x, unsigned long long* error) {
    GRID_STRIDE(i, n) {
        long long at[3];
        locate<3>(ix, i, at);
        long long j = (long long) index[at[1]];
        if (j < 0 || j >= axis_size) { atomicCAS(error, 0ull, (unsigned long long) i + 1); continue; }
        out[at[0]] = x[at[2] + j * axis_stride];
    }
}

template <typename T, typename I>
__device__ __forceinline__ void scatter_add_body(Indexer ix, long long n, long long axis_stride, long long axis_size, const T* src, const I* index, T* out, unsigned long long* error) {
    GRID_STRIDE(i, n) {
        long long at[3];
        locate<3>(ix, i, at);
        long long j = (long long) index[at[1]];
        if (j < 0 || j >= axis_size) { atomicCAS(error, 0ull, (unsigned long long) i + 1); continue; }
        atomicAdd(out + at[2] + j * axis_stride, src[at[0]]);
    }
}

#define GATHER(name, U, iname, I) extern "C" __global__ void gather_##name##_##iname(Indexer ix, long long n, long long axis_stride, long long axis_size, U* out, const I* index, const U* x, unsigned long long* error) { gather_body<U, I>(ix, n, axis_stride, axis_size, out, index, x, error); }
#define GATHER_SIZES(iname, I) GATHER(b1, uint8_t, iname, I) GATHER(b2, uint16_t, iname, I) GATHER(b4, uint32_t, iname, I) GATHER(b8, unsigned long long, iname, I)
GATHER_SIZES(i32, int) GATHER_SIZES(i64, long long)

#define SCATTER(name, T, iname, I) extern "C" __global__ void scatter_add_##name##_##iname(Indexer ix, long long n, long long axis_stride, long long axis_size, const T* src, const I* index, T* out, unsigned long long* error) { scatter_add_body<T, I>(ix, n, axis_stride, axis_size, src, index, out, error); }
#define SCATTER_TYPES(iname, I) SCATTER(f32, float, iname, I) SCATTER(bf16, __nv_bfloat16, iname, I) SCATTER(f16, __half, iname, I) SCATTER(f64, double, iname, I)
SCATTER_TYPES(i32, int) SCATTER_TYPES(i64, long long)
