package dev.hone.tensor.io;

import dev.hone.tensor.Device;
import dev.hone.tensor.Layout;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Storage;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.Backend;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file (github.com/huggingface/safetensors) memory-mapped read-only. {@link #open} maps the
 * whole file and validates its header completely (see {@link SafetensorsHeader}) before any tensor data
 * can be touched, so every later access lies inside the mapping; nothing is read out of bounds.
 *
 * <p>Ownership: the mapping belongs to this object and lives in a shared arena (tensors over it may be
 * read from any thread). {@link #tensor} returns zero-copy tensors over the mapping that die with this
 * file: after {@link #close()} any access to them throws {@link IllegalStateException} instead of
 * reading unmapped memory. {@link #tensorCopy} returns a tensor owned by the current {@link Scope} that
 * outlives the file. The mapping is read-only: writing through a mapped tensor throws
 * {@link IllegalArgumentException} ("Attempt to write a read-only segment") and never changes the file.
 *
 * <p>The file must not be truncated by another program while it is open (the operating system would
 * fault on the missing pages); {@link SafetensorsWriter} replaces files by atomic rename, which leaves
 * the mapped old file intact. Tensors are read as little-endian, so Hone requires a little-endian host.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private volatile boolean closed;

    private SafetensorsFile(Path path, Arena arena, MemorySegment mapping, SafetensorsHeader header) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : header.tensors()) byName.put(t.name(), t);
        this.tensors = byName;
        this.metadata = header.metadata();
    }

    /** Maps {@code path} read-only and validates its header; throws {@link SafetensorsException} naming the file on any defect. */
    public static SafetensorsFile open(Path path) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw SafetensorsException.ofFile(path, "safetensors data is little-endian; this host is " + ByteOrder.nativeOrder());
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapping;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            }
            SafetensorsHeader header = readHeader(path, mapping);
            return new SafetensorsFile(path, arena, mapping, header);
        } catch (IOException e) {
            arena.close();
            throw new SafetensorsException(path, null, "cannot map file: " + e, e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static SafetensorsHeader readHeader(Path path, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) throw SafetensorsException.ofFile(path, "file of " + size + " bytes is shorter than the 8-byte header length");
        long n = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 0 || n > SafetensorsHeader.MAX_HEADER_BYTES) {
            throw SafetensorsException.ofFile(path, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + SafetensorsHeader.MAX_HEADER_BYTES + " bytes");
        }
        if (n > size - 8) {
            throw SafetensorsException.ofFile(path, "header length " + n + " runs past the end of the file (" + size + " bytes)");
        }
        byte[] json = file.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        return SafetensorsHeader.parse(path, json, 8 + n, size - 8 - n);
    }

    public Path path() { return path; }

    /** Tensor names in data order (by offset in the file). */
    public List<String> names() { return List.copyOf(tensors.keySet()); }

    public boolean contains(String name) { return tensors.containsKey(name); }

    /** The dtype, shape and position of one tensor; throws naming the file and tensor if absent. */
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) throw new SafetensorsException(path, name, "no such tensor (the file holds " + tensors.size() + ")");
        return t;
    }

    /** The {@code __metadata__} entries (empty when absent), in file order. */
    public Map<String, String> metadata() { return metadata; }

    /** The raw little-endian bytes of one tensor: a read-only, zero-copy slice of the mapping, valid until close. */
    public MemorySegment bytes(String name) {
        TensorInfo t = info(name);
        if (closed) throw new SafetensorsException(path, name, "file already closed");
        return mapping.asSlice(t.byteOffset(), t.byteLength());
    }

    /**
     * One tensor on the current scope's backend. On a host-memory backend it is a zero-copy, read-only view
     * of the mapping, not owned by the scope: it dies when this file is closed. On an accelerator it is a
     * copy uploaded there, owned by the current scope (as {@link #tensorCopy}).
     */
    public Tensor tensor(String name) {
        TensorInfo t = info(name);
        Backend backend = Scope.current().backend();
        if (backend.device().kind() != Device.Kind.CPU) return tensorCopy(name);
        Storage storage = new Storage(bytes(name), t.dtype(), t.numel(), Device.CPU, Storage.Releaser.NONE);
        return Tensor.wrap(storage, Layout.contiguous(t.shape()), backend);
    }

    /** A copy of one tensor on the current scope's backend, owned by the scope; it survives {@link #close()}. */
    public Tensor tensorCopy(String name) {
        TensorInfo t = info(name);
        MemorySegment src = bytes(name);
        Tensor out = Tensor.empty(t.dtype(), t.shape());
        if (t.numel() > 0) out.backend().copyFromHost(src, 0, out);
        return out;
    }

    /** Unmaps the file; tensors from {@link #tensor} become unusable. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        arena.close();
    }
}
