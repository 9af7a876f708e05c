package dev.hone.cuda.kernel;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** cuLaunchKernel's kernelParams: entry i must point at argument i's value, aligned to its C type. */
class KernelArgsTest {

    @Test
    void eachPointerLeadsToItsValue() {
        try (Arena arena = Arena.ofConfined()) {
            byte[] struct = new byte[Indexer.BYTES];
            struct[0] = 42;
            struct[Indexer.BYTES - 1] = 7;
            List<KernelArg> args = List.of(KernelArg.ptr(0x7f00_1234_5678L), KernelArg.i32(-3), KernelArg.i64(1L << 40),
                    KernelArg.f32(1.5f), KernelArg.f64(-2.25), new KernelArg.Struct(struct, 8));
            MemorySegment params = KernelArgs.marshal(arena, args);

            assertThat(params.byteSize()).isEqualTo(6 * ValueLayout.ADDRESS.byteSize());
            MemorySegment[] slots = new MemorySegment[6];
            for (int i = 0; i < 6; i++) {
                slots[i] = params.getAtIndex(ValueLayout.ADDRESS, i).reinterpret(Indexer.BYTES);
                assertThat(slots[i].address() % 8).as("slot %d aligned", i).isZero();
            }
            assertThat(slots[0].get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x7f00_1234_5678L);
            assertThat(slots[1].get(ValueLayout.JAVA_INT, 0)).isEqualTo(-3);
            assertThat(slots[2].get(ValueLayout.JAVA_LONG, 0)).isEqualTo(1L << 40);
            assertThat(slots[3].get(ValueLayout.JAVA_FLOAT, 0)).isEqualTo(1.5f);
            assertThat(slots[4].get(ValueLayout.JAVA_DOUBLE, 0)).isEqualTo(-2.25);
            assertThat(slots[5].get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 42);
            assertThat(slots[5].get(ValueLayout.JAVA_BYTE, Indexer.BYTES - 1)).isEqualTo((byte) 7);
        }
    }

    @Test
    void slotsDoNotOverlap() {
        try (Arena arena = Arena.ofConfined()) {
            List<KernelArg> args = List.of(KernelArg.i32(1), KernelArg.i32(2), KernelArg.i32(3));
            MemorySegment params = KernelArgs.marshal(arena, args);
            for (int i = 0; i < 3; i++) {
                assertThat(params.getAtIndex(ValueLayout.ADDRESS, i).reinterpret(4).get(ValueLayout.JAVA_INT, 0)).isEqualTo(i + 1);
            }
        }
    }
}
