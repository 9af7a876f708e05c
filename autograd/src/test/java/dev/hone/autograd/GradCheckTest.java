package dev.hone.autograd;

import dev.hone.tensor.DType;
import dev.hone.tensor.Scope;
import dev.hone.tensor.spi.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Float64 central-difference gradient checks of every differentiable op on the reference backend, and
 * the completeness check that makes an op without a catalogue case fail the build.
 */
class GradCheckTest {
    private static Backend reference;

    @BeforeAll
    static void open() { reference = TestBackends.reference(); }

    @AfterAll
    static void close() { reference.close(); }

    static List<OpCatalogue.Case> cases() { return OpCatalogue.cases(); }

    @Test
    void everyOpHasAGradientCheckCase() {
        assertThat(OpCatalogue.allOps()).hasSizeGreaterThanOrEqualTo(40);
        assertThat(OpCatalogue.uncovered()).as("ops without a gradcheck case in OpCatalogue").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void analyticGradientMatchesCentralDifferences(OpCatalogue.Case c) {
        try (Scope scope = Scope.open(reference)) {
            GradCheck.Result r = GradCheck.check(c, DType.F64, GradCheck.Tolerance.FLOAT64);
            assertThat(r.passed()).as(r.toString()).isTrue();
            assertThat(r.elements()).isPositive();
            assertThat(scope.ownedCount()).as("gradcheck frees what it allocates").isZero();
        }
    }
}
