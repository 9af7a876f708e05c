package dev.hone.transformer.sft;

import dev.hone.tensor.Scope;
import dev.hone.tensor.io.SafetensorsFile;
import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.spi.Backends;
import dev.hone.tensor.testkit.SimulatedDeviceBackend;
import dev.hone.transformer.data.SftDataConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The whole QLoRA pipeline with every tensor on an accelerator (simulated in host memory, so Java cannot read
 * its elements and host tensors in its ops are refused): loading stories260K, quantizing, training, evaluating,
 * generating, checkpointing and saving the adapter all run, and give the losses and the adapter of the same
 * run on the CPU backend. The simulated device has no fused kernels, so its attention, norms and losses are
 * the composites: equal to the CPU's fused kernels to float rounding, not bit for bit.
 */
class DeviceResidentTrainingTest {

    @Test
    void qloraRunOnADeviceMatchesTheHostRun(@TempDir Path dir) throws IOException {
        Path file = SftFixtures.supportSample(dir, 120, 27);
        SftDataConfig data = SftFixtures.data(file, 128, 12);
        try (Backend cpu = Backends.open("cpu")) {
            FitResult host, device;
            try (Scope _ = Scope.open(cpu)) {
                host = run(dir.resolve("host"), data);
            }
            SimulatedDeviceBackend sim = new SimulatedDeviceBackend(cpu);
            try (Scope _ = Scope.open(sim)) {
                device = run(dir.resolve("device"), data);
            }
            assertThat(sim.uploads()).isPositive();
            assertThat(sim.downloads()).isPositive();

            List<Double> expected = host.stepLosses(), actual = device.stepLosses();
            assertThat(actual).hasSameSizeAs(expected).hasSize(4);
            for (int i = 0; i < expected.size(); i++) assertThat(actual.get(i)).as("step %d", i + 1).isCloseTo(expected.get(i), within(1e-5));
            assertThat(device.after().loss()).isCloseTo(host.after().loss(), within(1e-5));

            try (Scope _ = Scope.open(cpu); SafetensorsFile h = adapter(host); SafetensorsFile d = adapter(device)) {
                assertThat(d.names()).containsExactlyInAnyOrderElementsOf(h.names()).isNotEmpty();
                for (String name : h.names()) {
                    float[] want = h.tensor(name).toFloatArray(), got = d.tensor(name).toFloatArray();
                    assertThat(got).as(name).hasSameSizeAs(want);
                    for (int i = 0; i < want.length; i++) assertThat(got[i]).as(name + "[" + i + "]").isCloseTo(want[i], within(1e-4f));
                }
            }
        }
    }

    private static SafetensorsFile adapter(FitResult r) { return SafetensorsFile.open(r.adapterDir().resolve("adapter_model.safetensors")); }

    private static FitResult run(Path out, SftDataConfig data) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        return SftFixtures.smallQlora(SftFixtures.stories260K(), data, out, new PrintStream(log, true, StandardCharsets.UTF_8))
                .maxSteps(4).build().fit();
    }
}
