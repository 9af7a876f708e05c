package dev.hone.tensor;

import dev.hone.tensor.reference.ReferenceBackend;
import dev.hone.tensor.testkit.SimulatedDeviceBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tensors on an accelerator (simulated: host memory that says it is cuda:7): the array factories upload,
 * the array readers download (views through a dense copy that is freed at once), {@code to(Backend)} moves
 * between backends, and element access from Java or a host tensor in a device op fails naming the device.
 */
class DeviceTransfersTest {
    private final ReferenceBackend host = new ReferenceBackend();
    private final SimulatedDeviceBackend device = new SimulatedDeviceBackend(host);

    @AfterEach
    void close() { host.close(); }

    @Test
    void factoriesUploadAndReadersDownload() {
        try (Scope _ = Scope.open(device)) {
            Tensor f = Tensor.of(new float[] {1.5f, -2, 3, 4, 5, 6}, 2, 3);
            Tensor i = Tensor.ofInts(new int[] {7, -8, 9}, 3);
            Tensor l = Tensor.ofLongs(new long[] {1L << 40, -3}, 2);
            Tensor b = Tensor.of(DType.BF16, new double[] {0.5, -1.25}, 2);
            Tensor u8 = Tensor.ofRawBytes(DType.U8, new byte[] {(byte) 0xF0, 0x0F}, 2);
            assertThat(java.util.List.of(f, i, l, b, u8)).allSatisfy(t -> assertThat(t.device()).isEqualTo(SimulatedDeviceBackend.DEVICE));
            assertThat(device.uploads()).isEqualTo(5);

            assertThat(f.toFloatArray()).containsExactly(1.5f, -2, 3, 4, 5, 6);
            assertThat(i.toIntArray()).containsExactly(7, -8, 9);
            assertThat(l.toLongArray()).containsExactly(1L << 40, -3);
            assertThat(b.toDoubleArray()).containsExactly(0.5, -1.25);
            assertThat(u8.toRawBytes()).containsExactly((byte) 0xF0, 0x0F);
            assertThat(f.narrow(1, 1, 1).narrow(0, 1, 1).item()).isEqualTo(5.0);
            assertThat(Ops.arange(f, DType.I64, 4).toLongArray()).containsExactly(0, 1, 2, 3);
        }
    }

    @Test
    void aViewIsReadThroughADenseCopyThatIsFreedAtOnce() {
        try (Scope _ = Scope.open(device)) {
            Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).mT();                   // [3, 2] view
            long live = host.memoryStats().liveBuffers(), downloads = device.downloads();
            assertThat(t.toFloatArray()).containsExactly(1, 4, 2, 5, 3, 6);
            assertThat(t.toRawBytes()).hasSize(24);
            assertThat(host.memoryStats().liveBuffers()).isEqualTo(live);
            assertThat(device.downloads()).isEqualTo(downloads + 2);
        }
    }

    @Test
    void toMovesBetweenBackendsAndSharesHostMemory() {
        try (Scope _ = Scope.open(host)) {
            Tensor h = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
            assertThat(h.to(host)).isSameAs(h);
            Tensor d = h.mT().to(device);
            assertThat(d.device()).isEqualTo(SimulatedDeviceBackend.DEVICE);
            assertThat(d.isContiguous()).isTrue();
            Tensor back = d.to(host);
            assertThat(back.device()).isEqualTo(Device.CPU);
            assertThat(back.toFloatArray()).containsExactly(1, 3, 2, 4);

            ReferenceBackend other = new ReferenceBackend();
            Tensor shared = h.to(other);                                                      // host to host: a view
            assertThat(shared.storage()).isSameAs(h.storage());
            assertThat(shared.backend()).isSameAs(other);
        }
    }

    @Test
    void elementAccessAndHostTensorsInDeviceOpsAreRefused() {
        try (Scope _ = Scope.open(device)) {
            Tensor d = Tensor.of(new float[] {1, 2}, 2);
            assertThatThrownBy(() -> d.getDouble(0)).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("cuda:7");
            assertThatThrownBy(() -> d.set(1, 0)).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("cuda:7");
            Tensor h;
            try (Scope _ = Scope.open(host)) {
                h = Scope.current().keep(Tensor.of(new float[] {3, 4}, 2));
            }
            assertThatThrownBy(() -> Ops.add(d, h)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cuda:7").hasMessageContaining("cpu");
        }
    }
}
