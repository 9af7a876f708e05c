package dev.hone.autograd;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every catalogue case's analytic gradients on the "cpu" backend in F32 agree with the reference
 * backend's float64 gradients (which {@link GradCheckTest} checked against finite differences).
 * Skipped, with the reason shown, when the cpu backend is not available.
 */
class CpuBackendAgreementTest {
    private static Backend reference;
    private static Backend cpu;

    @BeforeAll
    static void open() {
        reference = TestBackends.reference();
        cpu = TestBackends.cpu().orElse(null);
    }

    @AfterAll
    static void close() {
        reference.close();
        if (cpu != null) cpu.close();
    }

    static List<OpCatalogue.Case> cases() { return OpCatalogue.cases(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cpuF32GradientsAgreeWithReferenceF64(OpCatalogue.Case c) {
        Assumptions.assumeTrue(cpu != null, "cpu backend unavailable on this class path");
        double[][] expected;
        try (Scope s = Scope.open(reference)) {
            expected = GradCheck.analyticGradients(c, DType.F64);
        }
        double[][] got;
        try (Scope s = Scope.open(cpu)) {
            got = GradCheck.analyticGradients(c, DType.F32);
        }
        for (int i = 0; i < expected.length; i++) {
            for (int k = 0; k < expected[i].length; k++) {
                assertThat(Math.abs(got[i][k] - expected[i][k])).as("%s input %d element %d: cpu %s vs reference %s", c, i, k, got[i][k], expected[i][k])
                        .isLessThanOrEqualTo(1e-4 + 1e-3 * Math.abs(expected[i][k]));
            }
        }
    }
}
