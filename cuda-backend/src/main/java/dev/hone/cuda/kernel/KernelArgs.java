package dev.hone.cuda.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Marshals launch arguments into what cuLaunchKernel's {@code void **kernelParams} expects: an array
 * of N pointers, entry i pointing at a host copy of argument i (the driver copies the values when the
 * launch is queued, so the memory only has to outlive the call). Each value sits in its own slot
 * aligned to its C alignment.
 */
public final class KernelArgs {
    private KernelArgs() { }

    /** The pointer array, allocated in {@code arena} with the value slots behind it. */
    public static MemorySegment marshal(Arena arena, List<KernelArg> args) {
        MemorySegment pointers = arena.allocate(ValueLayout.ADDRESS, Math.max(1, args.size()));
        for (int i = 0; i < args.size(); i++) {
            KernelArg arg = args.get(i);
            MemorySegment slot = arena.allocate(arg.byteSize(), Math.max(8, arg.alignment()));
            arg.writeTo(slot);
            pointers.setAtIndex(ValueLayout.ADDRESS, i, slot);
        }
        return pointers;
    }
}
