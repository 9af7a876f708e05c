package dev.hone.autograd;

import dev.hone.autograd.nn.Linear;
import dev.hone.autograd.nn.Parameter;
import dev.hone.tensor.DType;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.RandomKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Recording rules of the tape, frozen parameters, gradient accumulation and activation checkpointing. */
class TapeTest {
    private static Backend backend;

    @BeforeAll
    static void open() { backend = TestBackends.reference(); }

    @AfterAll
    static void close() { backend.close(); }

    private static Tensor input(long seed, int... dims) { return Ops.random(RandomKind.UNIFORM, seed, -1, 1, DType.F64, dims); }

    @Test
    void nothingIsRecordedOutsideATapeOrWithoutGradientInputs() {
        try (Scope scope = Scope.open(backend)) {
            Linear layer = new Linear(3, 2, Linear.Bias.WITH_BIAS, DType.F64, 1);
            Tensor y = layer.forward(input(2, 4, 3));
            assertThat(y.shape().dims()).containsExactly(4, 2);
            try (Tape tape = Tape.open()) {
                Diff.tanh(Diff.mul(input(3, 2, 2), input(4, 2, 2)));
                assertThat(tape.size()).as("constants only: nothing recorded").isZero();
                layer.forward(input(5, 4, 3));
                assertThat(tape.size()).as("transpose, matmul, add").isEqualTo(3);
            }
            assertThat(scope.ownedCount()).isPositive();
        }
    }

    @Test
    void frozenParametersGetNoGradientBufferAndTheirInputsStillDo() {
        try (Scope scope = Scope.open(backend)) {
            Linear layer = new Linear(3, 2, Linear.Bias.WITH_BIAS, DType.F64, 1);
            layer.weight().setTrainability(Parameter.Trainability.FROZEN);
            Tensor x = input(2, 4, 3);
            try (Tape tape = Tape.open()) {
                tape.watch(x);
                tape.backward(Diff.sum(layer.forward(x)));
                assertThat(layer.weight().grad()).as("frozen weight").isNull();
                assertThat(layer.bias().grad().toDoubleArray()).as("d sum / d bias = batch size").containsExactly(4, 4);
                // d sum(x W^T) / dx[n, i] = sum over outputs of W[o, i]
                double[] w = layer.weight().value().toDoubleArray();
                double[] dx = tape.gradient(x).orElseThrow().toDoubleArray();
                for (int i = 0; i < 3; i++) assertThat(dx[i]).isCloseTo(w[i] + w[3 + i], within(1e-12));
            }
            assertThat(layer.trainableParameters()).containsExactly(layer.bias());
            assertThat(scope.ownedCount()).isPositive();
        }
    }

    @Test
    void parameterFrozenAfterItWasReadOnTheTapeGetsNoGradient() {
        try (Scope scope = Scope.open(backend)) {
            Linear layer = new Linear(3, 2, Linear.Bias.WITH_BIAS, DType.F64, 1);
            try (Tape tape = Tape.open()) {
                Tensor y = layer.forward(input(2, 4, 3));
                layer.weight().setTrainability(Parameter.Trainability.FROZEN);
                tape.backward(Diff.sum(y));
            }
            assertThat(layer.weight().grad()).isNull();
            assertThat(layer.bias().grad()).isNotNull();
            assertThat(layer.bias().grad().toDoubleArray()).containsExactly(4.0, 4.0);
        }
    }

    @Test
    void gradientsAccumulateAcrossBackwardPassesUntilZeroGrad() {
        try (Scope scope = Scope.open(backend)) {
            Linear layer = new Linear(3, 2, Linear.Bias.NO_BIAS, DType.F64, 1);
            Tensor x = input(2, 5, 3);
            double[] once = null;
            for (int pass = 1; pass <= 2; pass++) {
                try (Scope step = Scope.open(); Tape tape = Tape.open()) {
                    tape.backward(Diff.sum(Diff.square(layer.forward(x))));
                }
                double[] g = layer.weight().grad().toDoubleArray();
                if (pass == 1) once = g;
                else for (int i = 0; i < g.length; i++) assertThat(g[i]).isCloseTo(2 * once[i], within(1e-12));
            }
            layer.zeroGrad();
            assertThat(layer.weight().grad().toDoubleArray()).containsOnly(0.0);
            assertThat(scope.ownedCount()).isPositive();
        }
    }

    @Test
    void backwardAfterZeroGradOverwritesTheSameBufferThenAccumulates() {
        try (Scope scope = Scope.open(backend)) {
            Linear layer = new Linear(3, 2, Linear.Bias.NO_BIAS, DType.F64, 1);
            Tensor x = input(2, 5, 3);
            Runnable pass = () -> {
                try (Scope step = Scope.open(); Tape tape = Tape.open()) {
                    tape.backward(Diff.sum(Diff.square(layer.forward(x))));
                }
            };
            pass.run();
            pass.run();
            Tensor buffer = layer.weight().grad();
            double[] twice = buffer.toDoubleArray();
            layer.zeroGrad();                       // marks the buffer; the next backward writes over it
            pass.run();
            assertThat(layer.weight().grad()).isSameAs(buffer);
            double[] once = buffer.toDoubleArray();
            for (int i = 0; i < once.length; i++) assertThat(2 * once[i]).isCloseTo(twice[i], within(1e-12));
            pass.run();
            assertThat(layer.weight().grad().toDoubleArray()).containsExactly(twice, within(1e-12));
        }
    }

    @Test
    void checkpointedBlockGivesTheSameGradientsAsTheDirectOne() {
        try (Scope scope = Scope.open(backend)) {
            Linear first = new Linear(4, 6, Linear.Bias.WITH_BIAS, DType.F64, 11);
            Linear second = new Linear(6, 4, Linear.Bias.WITH_BIAS, DType.F64, 12);
            Tensor x = input(3, 2, 3, 4);
            java.util.function.Function<List<Tensor>, Tensor> block = in -> second.forward(Diff.dropout(Diff.silu(first.forward(in.get(0))), 0.2, 99));
            double[][] direct = gradients(x, in -> block.apply(List.of(in)), first, second);
            first.zeroGrad();
            second.zeroGrad();
            double[][] recomputed = gradients(x, in -> Checkpoint.run(block, in), first, second);
            for (int i = 0; i < direct.length; i++) {
                assertThat(recomputed[i]).as("gradient %d", i).containsExactly(direct[i], within(1e-12));
            }
            assertThat(scope.ownedCount()).isPositive();
        }
    }

    /** Parameter gradients of both layers, then the input gradient, for loss = sum(f(x)^2). */
    private static double[][] gradients(Tensor x, java.util.function.UnaryOperator<Tensor> f, Linear first, Linear second) {
        try (Scope step = Scope.open(); Tape tape = Tape.open()) {
            tape.watch(x);
            tape.backward(Diff.sum(Diff.square(f.apply(x))));
            return new double[][] {first.weight().grad().toDoubleArray(), first.bias().grad().toDoubleArray(),
                    second.weight().grad().toDoubleArray(), second.bias().grad().toDoubleArray(), tape.gradient(x).orElseThrow().toDoubleArray()};
        }
    }

    @Test
    void misuseIsReportedClearly() {
        try (Scope scope = Scope.open(backend)) {
            Tensor x = input(1, 2);
            try (Tape tape = Tape.open()) {
                assertThatThrownBy(() -> tape.backward(Diff.sum(x))).hasMessageContaining("does not depend");
                tape.watch(x);
                Tensor y = Diff.exp(x);
                assertThatThrownBy(() -> tape.backward(y)).hasMessageContaining("one element");
                tape.backward(Diff.sum(y));
                assertThatThrownBy(() -> tape.backward(Diff.sum(y))).hasMessageContaining("already ran");
            }
            assertThat(scope.ownedCount()).isPositive();
        }
    }

    /**
     * The pieces of a split add their gradients into windows of one buffer: a piece that is used twice
     * sums both uses, an unused piece leaves zeros, and a narrowed parameter still gets a full-shaped gradient.
     */
    @Test
    void narrowedPiecesAddIntoWindowsOfTheInputGradient() {
        try (Scope scope = Scope.open(backend)) {
            Tensor x = input(7, 2, 6);
            Parameter w = new Parameter("w", input(8, 2, 6));
            try (Tape tape = Tape.open()) {
                tape.watch(x);
                Tensor a = Diff.narrow(x, 1, 0, 2), b = Diff.narrow(x, -1, 2, 2);
                Diff.narrow(x, 1, 4, 2); // unused piece
                Tensor wPiece = Diff.narrow(w.value(), 1, 3, 3);
                Tensor loss = Diff.add(Diff.add(Diff.sum(Diff.mul(a, 3.0)), Diff.sum(Diff.square(b))),
                        Diff.add(Diff.sum(b), Diff.sum(Diff.mul(wPiece, 2.0))));
                tape.backward(loss);
                double[] xs = x.toDoubleArray(), dx = tape.gradient(x).orElseThrow().toDoubleArray();
                for (int r = 0; r < 2; r++) {
                    for (int c = 0; c < 6; c++) {
                        double expected = c < 2 ? 3 : c < 4 ? 2 * xs[r * 6 + c] + 1 : 0;
                        assertThat(dx[r * 6 + c]).as("dx[%d, %d]", r, c).isCloseTo(expected, within(1e-12));
                    }
                }
                assertThat(w.grad().shape().dims()).containsExactly(2, 6);
                assertThat(w.grad().toDoubleArray()).containsExactly(0, 0, 0, 2, 2, 2, 0, 0, 0, 2, 2, 2);
            }
        }
    }
    /**
     * Windows of one input's gradient in every arrangement that takes a different path: disjoint pieces
     * copied into an uninitialised sum, gaps no piece wrote, an overlapping piece or a piece along another
     * axis after a partial sum, and the input also used whole before or after its pieces. Freed buffers
     * full of NaN lie in the allocator first, so a gap left unwritten shows. 200 random arrangements,
     * each against the gradient summed by hand.
     */
    @Test
    void windowSumsMatchHandSumsInAnyArrangement() {
        java.util.Random random = new java.util.Random(42);
        for (int trial = 0; trial < 200; trial++) {
            try (Scope scope = Scope.open(backend)) {
                Tensor x = input(trial, 4, 6);
                double[] expected = new double[24];
                for (int i = 0; i < 4; i++) scope.free(Tensor.full(DType.F64, Double.NaN, 4, 6));
                StringBuilder arrangement = new StringBuilder();
                try (Tape tape = Tape.open()) {
                    tape.watch(x);
                    Tensor loss = null;
                    int pieces = 1 + random.nextInt(4);
                    int wholeAt = random.nextInt(pieces + 2) - 1;                  // -1 or pieces: none / last
                    for (int p = 0; p <= pieces; p++) {
                        double weight = p + 1.5;
                        Tensor term;
                        if (p == wholeAt) {
                            term = Diff.sum(Diff.mul(x, weight));
                            for (int e = 0; e < 24; e++) expected[e] += weight;
                            arrangement.append(" whole");
                        } else if (p < pieces) {
                            int axis = random.nextInt(4) == 0 ? 0 : 1, size = axis == 0 ? 4 : 6;
                            int start = random.nextInt(size), length = 1 + random.nextInt(size - start);
                            term = Diff.sum(Diff.mul(Diff.narrow(x, axis, start, length), weight));
                            for (int r = 0; r < 4; r++) {
                                for (int c = 0; c < 6; c++) {
                                    int at = axis == 0 ? r : c;
                                    if (at >= start && at < start + length) expected[r * 6 + c] += weight;
                                }
                            }
                            arrangement.append(" [").append(axis).append(':').append(start).append('+').append(length).append(']');
                        } else {
                            continue;
                        }
                        loss = loss == null ? term : Diff.add(loss, term);
                    }
                    tape.backward(loss);
                    assertThat(tape.gradient(x).orElseThrow().toDoubleArray()).as("trial %d:%s", trial, arrangement)
                            .containsExactly(expected, within(1e-12));
                }
            }
        }
    }
}
