package dev.hone.tensor.testkit;

import dev.hone.tensor.DType;
import dev.hone.tensor.Device;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.reference.ReferenceBackend;
import dev.hone.tensor.spi.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The test kit for an accelerator backend's data movement. Extend it and implement {@link #device()}: in a
 * scope on that backend the array factories upload, the array readers download (views through a dense copy
 * that is freed at once), {@code Tensor.to(Backend)} moves between it and the host, and element access from
 * Java or a host tensor in one of its ops fails naming the device.
 */
public abstract class DeviceTransferTests {
    protected ReferenceBackend host;

    /** The accelerator backend under test (not closed by the kit). */
    protected abstract Backend device();

    @BeforeEach
    void openHost() { host = new ReferenceBackend(); }

    @AfterEach
    void closeHost() { host.close(); }

    @Test
    void factoriesUploadAndReadersDownload() {
        try (Scope _ = Scope.open(device())) {
            Tensor f = Tensor.of(new float[] {1.5f, -2, 3, 4, 5, 6}, 2, 3);
            Tensor i = Tensor.ofInts(new int[] {7, -8, 9}, 3);
            Tensor l = Tensor.ofLongs(new long[] {1L << 40, -3}, 2);
            Tensor b = Tensor.of(DType.BF16, new double[] {0.5, -1.25}, 2);
            Tensor u8 = Tensor.ofRawBytes(DType.U8, new byte[] {(byte) 0xF0, 0x0F}, 2);
            assertThat(List.of(f, i, l, b, u8)).allSatisfy(t -> assertThat(t.device()).isEqualTo(device().device()));

            assertThat(f.toFloatArray()).containsExactly(1.5f, -2, 3, 4, 5, 6);
            assertThat(i.toIntArray()).containsExactly(7, -8, 9);
            assertThat(l.toLongArray()).containsExactly(1L << 40, -3);
            assertThat(b.toDoubleArray()).containsExactly(0.5, -1.25);
            assertThat(u8.toRawBytes()).containsExactly((byte) 0xF0, 0x0F);
            assertThat(f.narrow(1, 1, 1).narrow(0, 1, 1).item()).isEqualTo(5.0);
            assertThat(Ops.arange(f, DType.I64, 4).toLongArray()).containsExactly(0, 1, 2, 3);
            assertThat(Ops.add(f, f).toFloatArray()).containsExactly(3, -4, 6, 8, 10, 12);   // work queued, then read
        }
    }

    @Test
    void aViewIsReadThroughADenseCopyThatIsFreedAtOnce() {
        try (Scope _ = Scope.open(device())) {
            Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).mT();                   // [3, 2] view
            long live = device().memoryStats().liveBuffers();
            assertThat(t.toFloatArray()).containsExactly(1, 4, 2, 5, 3, 6);
            assertThat(t.toRawBytes()).hasSize(24);
            assertThat(device().memoryStats().liveBuffers()).isEqualTo(live);
        }
    }

    @Test
    void toMovesBetweenTheHostAndTheDevice() {
        try (Scope _ = Scope.open(host)) {
            Tensor h = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
            assertThat(h.to(host)).isSameAs(h);
            Tensor d = h.mT().to(device());
            assertThat(d.device()).isEqualTo(device().device());
            assertThat(d.isContiguous()).isTrue();
            assertThat(d.to(device())).isSameAs(d);
            Tensor back = d.to(host);
            assertThat(back.device()).isEqualTo(Device.CPU);
            assertThat(back.toFloatArray()).containsExactly(1, 3, 2, 4);
            assertThat(Tensor.empty(device(), DType.F32, dev.hone.tensor.Shape.of(0)).to(host).numel()).isZero();
        }
    }

    @Test
    void elementAccessAndHostTensorsInDeviceOpsAreRefused() {
        String name = device().device().toString();
        try (Scope _ = Scope.open(device())) {
            Tensor d = Tensor.of(new float[] {1, 2}, 2);
            assertThatThrownBy(() -> d.getDouble(0)).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining(name);
            assertThatThrownBy(() -> d.set(1, 0)).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining(name);
            Tensor h;
            try (Scope _ = Scope.open(host)) {
                h = Scope.current().keep(Tensor.of(new float[] {3, 4}, 2));
            }
            assertThatThrownBy(() -> Ops.add(d, h)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(name).hasMessageContaining("cpu");
        }
    }
}
