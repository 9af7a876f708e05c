package dev.hone.benchmarks;

import dev.hone.cpu.gemm.Gemm;
import dev.hone.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Random F32 operands for one {@link GemmShape} in a shared arena (so worker threads may read them),
 * and the call that multiplies them with a {@link Gemm}. Closing frees the memory.
 */
public final class GemmOperands implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final GemmShape shape;
    private final MemorySegment a, b, c;

    public GemmOperands(GemmShape shape, long seed) {
        this.shape = shape;
        SplittableRandom rnd = new SplittableRandom(seed);
        a = randomFloats((long) shape.m() * shape.k(), rnd);
        b = randomFloats((long) shape.k() * shape.n(), rnd);
        c = arena.allocate((long) shape.m() * shape.n() * Float.BYTES, 64);
    }

    private MemorySegment randomFloats(long count, SplittableRandom rnd) {
        MemorySegment s = arena.allocate(count * Float.BYTES, 64);
        for (long i = 0; i < count; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
        return s;
    }

    /** C = A·B (beta = 0); A or B is read transposed when the shape says so. */
    public void multiply(Gemm gemm) {
        int m = shape.m(), n = shape.n(), k = shape.k();
        long aRow = shape.transposedA() ? 1 : k, aCol = shape.transposedA() ? m : 1;
        long bRow = shape.transposedB() ? 1 : n, bCol = shape.transposedB() ? k : 1;
        gemm.gemm(m, n, k, 1f, DType.F32, a, 0, aRow, aCol, DType.F32, b, 0, bRow, bCol, 0f, c, 0, n);
    }

    /** One element of C, to keep the result alive and spot-check it. */
    public float c(long i, long j) { return c.getAtIndex(ValueLayout.JAVA_FLOAT, i * shape.n() + j); }

    @Override
    public void close() { arena.close(); }
}
