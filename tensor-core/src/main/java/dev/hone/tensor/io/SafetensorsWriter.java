package dev.hone.tensor.io;

import dev.hone.tensor.Device;
import dev.hone.tensor.Layout;
import dev.hone.tensor.Shape;
import dev.hone.tensor.StridedIndex;
import dev.hone.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes tensors to a safetensors file (github.com/huggingface/safetensors): 8-byte little-endian
 * header length, the JSON header padded with spaces to a multiple of 8 bytes, then each tensor's
 * row-major little-endian bytes back to back. Any dtype and any view (strided, transposed, narrowed,
 * broadcast, scalar, empty) is accepted; non-contiguous views are gathered row by row.
 *
 * <p>Layout: tensors are stored by descending element size, stably in the caller's order within one
 * size (as the reference writer sorts by alignment), so with the 8-byte aligned header every tensor's
 * data is aligned to its element size and readers can use it in place.
 *
 * <p>Atomicity: data goes to a temporary file in the target's directory, is forced to disk, then renamed
 * over the target with {@code ATOMIC_MOVE}. On any failure the temporary file is deleted and the previous
 * file (if any) is untouched; a reader that mapped the old file keeps seeing it.
 */
public final class SafetensorsWriter {
    private static final long STAGING_BYTES = 1 << 20;
    private static final long CHUNK_BYTES = 1 << 26;

    private SafetensorsWriter() { }

    /** Writes {@code tensors} (in their iteration order, see the class comment) with no metadata. */
    public static void write(Path path, Map<String, Tensor> tensors) { write(path, tensors, Map.of()); }

    /** Writes {@code tensors} and the {@code __metadata__} entries; use ordered maps for a deterministic file. */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        List<Map.Entry<String, Tensor>> order = validate(path, tensors, metadata);
        List<TensorInfo> infos = new ArrayList<>(order.size());
        for (Map.Entry<String, Tensor> e : order) {
            Tensor t = e.getValue();
            infos.add(new TensorInfo(e.getKey(), t.dtype(), t.shape(), 0, t.numel() * t.dtype().byteSize()));
        }
        byte[] header = SafetensorsHeader.encode(infos, metadata);
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        Path temp = dir.resolve("." + target.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.createFile(temp);
        } catch (IOException e) {
            throw new SafetensorsException(path, null, "cannot create a temporary file next to it: " + e, e);
        }
        String current = null;
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE);
                 Arena staging = Arena.ofConfined()) {
                writeFully(ch, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
                writeFully(ch, ByteBuffer.wrap(header));
                MemorySegment buffer = staging.allocate(STAGING_BYTES);
                for (Map.Entry<String, Tensor> e : order) {
                    current = e.getKey();
                    writeData(ch, e.getValue(), buffer);
                }
                current = null;
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteAfterFailure(temp, e);
            throw new SafetensorsException(path, current, "write failed, previous file left unchanged: " + e, e);
        } catch (RuntimeException e) {
            deleteAfterFailure(temp, e);
            if (e instanceof SafetensorsException) throw e;
            throw new SafetensorsException(path, current, "write failed, previous file left unchanged: " + e, e);
        } catch (Error e) {
            deleteAfterFailure(temp, e);
            throw e;
        }
        syncDirectory(dir);
    }

    /** Checks names, storages and metadata before anything is written; returns the storage order. */
    private static List<Map.Entry<String, Tensor>> validate(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        var utf8 = StandardCharsets.UTF_8.newEncoder();
        List<Map.Entry<String, Tensor>> order = new ArrayList<>(tensors.size());
        long total = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || name.isEmpty()) throw SafetensorsException.ofFile(path, "refusing a tensor with an empty name");
            if (name.equals(SafetensorsHeader.METADATA_KEY)) throw new SafetensorsException(path, name, "the name is reserved for file metadata");
            if (!utf8.canEncode(name)) throw new SafetensorsException(path, name, "the name is not valid Unicode (unpaired surrogate)");
            if (t == null) throw new SafetensorsException(path, name, "tensor is null");
            if (t.storage().isReleased()) throw new SafetensorsException(path, name, "tensor's storage was already released");
            total = Math.addExact(total, Math.multiplyExact(t.numel(), (long) t.dtype().byteSize()));
            order.add(Map.entry(name, t));
        }
        for (Map.Entry<String, String> m : metadata.entrySet()) {
            if (m.getKey() == null || m.getValue() == null || !utf8.canEncode(m.getKey()) || !utf8.canEncode(m.getValue())) {
                throw SafetensorsException.ofFile(path, "metadata entry " + m.getKey() + " = " + m.getValue() + " is null or not valid Unicode");
            }
        }
        order.sort(Comparator.comparingInt((Map.Entry<String, Tensor> e) -> e.getValue().dtype().byteSize()).reversed());
        return order;
    }

    /** Appends t's elements in row-major order: contiguous views in one go, others row by row through {@code staging}. */
    private static void writeData(FileChannel ch, Tensor t, MemorySegment staging) throws IOException {
        if (t.numel() == 0) return;
        if (t.device().kind() != Device.Kind.CPU) {                 // an accelerator's tensor: download, then write
            writeSegment(ch, MemorySegment.ofArray(t.toRawBytes()));
            return;
        }
        Layout layout = t.layout();
        int elementBytes = t.dtype().byteSize();
        MemorySegment src = t.storage().segment();
        if (layout.isContiguous()) {
            writeSegment(ch, src.asSlice(layout.offset() * elementBytes, t.numel() * elementBytes));
            return;
        }
        int rank = layout.rank();
        boolean innerContiguous = rank > 0 && layout.stride(-1) == 1;
        long rowBytes = (innerContiguous ? layout.shape().dim(-1) : 1) * (long) elementBytes;
        Layout rows = innerContiguous
                ? new Layout(Shape.of(Arrays.copyOf(layout.shape().dims(), rank - 1)), Arrays.copyOf(layout.strides(), rank - 1), layout.offset())
                : layout;
        long filled = 0;
        for (StridedIndex it = new StridedIndex(rows); it.hasNext(); ) {
            long at = it.next() * elementBytes;
            if (filled + rowBytes > staging.byteSize()) {
                writeSegment(ch, staging.asSlice(0, filled));
                filled = 0;
            }
            if (rowBytes > staging.byteSize()) {
                writeSegment(ch, src.asSlice(at, rowBytes));
                continue;
            }
            if (innerContiguous) MemorySegment.copy(src, at, staging, filled, rowBytes);
            else copyElement(src, at, staging, filled, elementBytes);
            filled += rowBytes;
        }
        writeSegment(ch, staging.asSlice(0, filled));
    }

    /** One element; typed accesses are several times faster than a bulk copy of 1 to 8 bytes. */
    private static void copyElement(MemorySegment src, long from, MemorySegment dst, long to, int elementBytes) {
        switch (elementBytes) {
            case 1 -> dst.set(ValueLayout.JAVA_BYTE, to, src.get(ValueLayout.JAVA_BYTE, from));
            case 2 -> dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, to, src.get(ValueLayout.JAVA_SHORT_UNALIGNED, from));
            case 4 -> dst.set(ValueLayout.JAVA_INT_UNALIGNED, to, src.get(ValueLayout.JAVA_INT_UNALIGNED, from));
            case 8 -> dst.set(ValueLayout.JAVA_LONG_UNALIGNED, to, src.get(ValueLayout.JAVA_LONG_UNALIGNED, from));
            default -> MemorySegment.copy(src, from, dst, to, elementBytes);
        }
    }

    private static void writeSegment(FileChannel ch, MemorySegment segment) throws IOException {
        for (long off = 0; off < segment.byteSize(); off += CHUNK_BYTES) {
            writeFully(ch, segment.asSlice(off, Math.min(CHUNK_BYTES, segment.byteSize() - off)).asByteBuffer());
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) ch.write(buffer);
    }

    private static void deleteAfterFailure(Path temp, Throwable failure) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Makes the rename durable by syncing the directory. Some platforms cannot open a directory as a
     * channel; there the rename is still atomic, only its durability across a power cut is up to the OS.
     */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // platform without directory channels: the file itself was already forced and atomically renamed
        }
    }
}
