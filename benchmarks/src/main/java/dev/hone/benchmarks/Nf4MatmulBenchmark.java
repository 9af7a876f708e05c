package dev.hone.benchmarks;

import dev.hone.autograd.FrozenQuantMatmulFn;
import dev.hone.quant.AbsmaxEncoding;
import dev.hone.quant.QuantFormat;
import dev.hone.quant.QuantSpec;
import dev.hone.quant.QuantizedTensor;
import dev.hone.quant.nn.QuantizedLinear;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.tensor.spi.FourBitOps;
import dev.hone.tensor.spi.RandomKind;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * JMH: the forward product y [M, N] = x [M, K] · Wᵀ of a linear layer whose weight W [N, K] is NF4
 * (bitsandbytes' layout, blocks of 64), four ways, on the CPU backend (its worker pool, 2 threads):
 * <ul>
 *   <li>{@code fusedLayer}: {@link QuantizedLinear#forward} with the QLoRA weight (double-quantized
 *       absmax, recovered to float32 per call) through the fused kernel: what a QLoRA layer costs;</li>
 *   <li>{@code fusedKernel}: the backend's {@link FourBitOps#matmul} with plain float32 absmax: the
 *       kernel alone;</li>
 *   <li>{@code dequantizeThenSgemm}: the weight dequantized to a dense F32 [N, K] each call by the
 *       host dequantizer ({@link QuantizedTensor#dequantize()}, a scalar loop over the packed bytes),
 *       then SGEMM;</li>
 *   <li>{@code fallbackDequantizeThenSgemm}: the same with the backend-neutral dequantization
 *       ({@link FrozenQuantMatmulFn#dequantize}, primitive tensor ops), which is what a 4-bit layer
 *       runs on a backend without a fused kernel;</li>
 *   <li>{@code f32Sgemm}: SGEMM with the dense F32 weight, as {@code Linear} runs it (x · Wᵀ view).</li>
 * </ul>
 * Shapes: {@code prefill} [2048x768]·[768x3072] (compute-bound) and {@code decode} [1x4096]·[4096x4096]
 * (64 MiB of F32 weight against 8 MiB of codes + 1 MiB of absmax). One weight reused call after call
 * stays in a large last-level cache, which a real decode never sees (every layer's weight is read once
 * per token, and a model's weights outgrow any cache), so {@link Cold} repeats the decode product over
 * {@value Cold#COPIES} distinct copies of the weight in turn: the memory-bound case. Compare ratios within
 * one run; the machine is shared. Run: {@code java --add-modules jdk.incubator.vector
 * --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar org.openjdk.jmh.Main Nf4MatmulBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class Nf4MatmulBenchmark {

    /** prefill: M=2048, K=768, N=3072; decode: M=1, K=4096, N=4096. */
    @Param({"prefill", "decode"})
    public String shape;

    private Backend backend;
    private dev.hone.tensor.Scope scope;
    private Tensor x;                 // [M, K]
    private Tensor dense;             // [N, K] F32
    private QuantizedLinear layer;    // NF4, double-quantized absmax
    private QuantizedTensor plainQuantized;    // NF4, float32 absmax
    private FourBitOps.PackedWeight plain;     // the same as tensors
    private FourBitOps fourBit;
    private Tensor y;                 // [M, N]

    @Setup(Level.Trial)
    public void setUp() {
        int m = shape.equals("prefill") ? 2048 : 1;
        int k = shape.equals("prefill") ? 768 : 4096;
        int n = shape.equals("prefill") ? 3072 : 4096;
        backend = Backends.open("cpu");
        scope = dev.hone.tensor.Scope.open(backend);
        x = Ops.random(RandomKind.NORMAL, 1, 0, 1, DType.F32, m, k);
        dense = Ops.random(RandomKind.NORMAL, 2, 0, 0.02, DType.F32, n, k);
        layer = new QuantizedLinear(QuantizedTensor.quantize(dense, QuantSpec.qlora()), null);
        QuantizedTensor q = QuantizedTensor.quantize(dense, new QuantSpec(QuantFormat.NF4, 64, AbsmaxEncoding.FLOAT32));
        plainQuantized = q;
        byte[] packed = q.dataCopy();
        Tensor codes = Tensor.empty(DType.U8, packed.length);
        MemorySegment.copy(packed, 0, codes.storage().segment(), ValueLayout.JAVA_BYTE, 0, packed.length);
        float[] absmax = q.blockAbsmax();
        plain = new FourBitOps.PackedWeight(codes, Tensor.of(absmax, absmax.length), Tensor.of(q.codeBook().values(), 16), n, k, 64);
        fourBit = backend.fourBit().orElseThrow(() -> new IllegalStateException("the CPU backend offers no 4-bit kernel"));
        y = Tensor.empty(DType.F32, m, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scope.close();
        backend.close();
    }

    @Benchmark
    public float fusedLayer() {
        try (dev.hone.tensor.Scope call = dev.hone.tensor.Scope.open()) {
            return first(layer.forward(x));
        }
    }

    @Benchmark
    public float fusedKernel() {
        fourBit.matmul(x, plain, y);
        return first(y);
    }

    @Benchmark
    public float dequantizeThenSgemm() {
        try (dev.hone.tensor.Scope call = dev.hone.tensor.Scope.open()) {
            Tensor w = plainQuantized.dequantizeTensor();                     // [N, K]
            return first(Ops.matmul(x, w.mT()));
        }
    }

    @Benchmark
    public float fallbackDequantizeThenSgemm() {
        try (dev.hone.tensor.Scope call = dev.hone.tensor.Scope.open()) {
            Tensor w = FrozenQuantMatmulFn.dequantize(plain, DType.F32);      // [N, K]
            return first(Ops.matmul(x, w.mT()));
        }
    }

    @Benchmark
    public float f32Sgemm() {
        try (dev.hone.tensor.Scope call = dev.hone.tensor.Scope.open()) {
            return first(Ops.matmul(x, dense.mT()));
        }
    }

    /**
     * The decode product [1x4096]·[4096x4096] over {@link #COPIES} distinct copies of the weight, one
     * after another (4 GiB of F32 weights, 576 MiB of NF4 codes and absmax), so neither fits a cache:
     * fused NF4 kernel vs F32 SGEMM when weights stream from memory.
     */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
    public static class Cold {
        static final int COPIES = 64;
        private Backend backend;
        private dev.hone.tensor.Scope scope;
        private Tensor x;                                      // [1, 4096]
        private final Tensor[] dense = new Tensor[COPIES];     // [4096, 4096] F32 each
        private final FourBitOps.PackedWeight[] nf4 = new FourBitOps.PackedWeight[COPIES];
        private FourBitOps fourBit;
        private Tensor y;                                      // [1, 4096]
        private int next;

        @Setup(Level.Trial)
        public void setUp() {
            backend = Backends.open("cpu");
            scope = dev.hone.tensor.Scope.open(backend);
            x = Ops.random(RandomKind.NORMAL, 1, 0, 1, DType.F32, 1, 4096);
            Tensor first = Ops.random(RandomKind.NORMAL, 2, 0, 0.02, DType.F32, 4096, 4096);
            QuantizedTensor q = QuantizedTensor.quantize(first, new QuantSpec(QuantFormat.NF4, 64, AbsmaxEncoding.FLOAT32));
            byte[] packed = q.dataCopy();
            float[] absmax = q.blockAbsmax();
            Tensor book = Tensor.of(q.codeBook().values(), 16);
            for (int i = 0; i < COPIES; i++) {
                dense[i] = i == 0 ? first : first.copy();
                Tensor codes = Tensor.empty(DType.U8, packed.length);
                MemorySegment.copy(packed, 0, codes.storage().segment(), ValueLayout.JAVA_BYTE, 0, packed.length);
                nf4[i] = new FourBitOps.PackedWeight(codes, Tensor.of(absmax, absmax.length), book, 4096, 4096, 64);
            }
            fourBit = backend.fourBit().orElseThrow(() -> new IllegalStateException("the CPU backend offers no 4-bit kernel"));
            y = Tensor.empty(DType.F32, 1, 4096);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            scope.close();
            backend.close();
        }

        @Benchmark
        public float coldFusedKernel() {
            next = (next + 1) % COPIES;
            fourBit.matmul(x, nf4[next], y);
            return first(y);
        }

        @Benchmark
        public float coldF32Sgemm() {
            next = (next + 1) % COPIES;
            try (dev.hone.tensor.Scope call = dev.hone.tensor.Scope.open()) {
                return first(Ops.matmul(x, dense[next].mT()));
            }
        }
    }

    private static float first(Tensor t) { return t.storage().segment().get(ValueLayout.JAVA_FLOAT, t.layout().offset() * 4); }
}
