package dev.hone.cuda;

import dev.hone.tensor.spi.Backend;
import dev.hone.tensor.testkit.DeviceTransferTests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The transfer kit on the GPU: factories upload through the pinned staging buffer, readers download after the
 * queued work, views are read through a dense device copy. Skipped, with the probe's reason, without a GPU.
 */
class CudaTransfersGpuTest extends DeviceTransferTests {
    @RegisterExtension
    static final GpuBackendExtension GPU = new GpuBackendExtension();

    @Override
    protected Backend device() { return GPU.backend(); }

    @Test
    void closingTwiceIsHarmless() {
        CudaBackend second = CudaBackend.open(0);
        second.close();
        second.close();
    }
}
