package dev.hone.quant.nn;

import dev.hone.quant.Absmax;
import dev.hone.quant.CodeBook;
import dev.hone.quant.QuantFormat;
import dev.hone.quant.QuantizedTensor;
import dev.hone.tensor.DType;
import dev.hone.tensor.Device;
import dev.hone.tensor.Ops;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.FourBitOps.PackedWeight;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A 4-bit (NF4 / FP4) weight W [out, in] as a layer keeps it resident: tensors in the scope that was
 * current at construction, in exactly the bytes bitsandbytes stores (packed codes U8, absmax either
 * plain F32 or double-quantized: U8 codes, F32 nested absmax, F32 offset, the 256-value nested map),
 * plus the code books, which are shared with the other layers of a model ({@link CodeBookTensors}).
 * Double-quantized absmax stays 8-bit in memory (NF4/64 with double quantization: 4.127 bits per
 * parameter, books excluded); {@link #packed()} recovers the float32 absmax per call into
 * a temporary of the current scope (4/blocksize bytes per weight, freed with that scope) with
 * primitive ops on the weight's backend, in bnb's float32 arithmetic: map[code] * nested[i / 256],
 * then + offset. Immutable; the tensors are never written.
 */
public final class FourBitLayerWeight {
    private final QuantFormat format;
    private final Shape shape;
    private final DType originalDType;
    private final int blocksize;
    private final Tensor codes;
    private final Tensor codebook;
    private final ResidentAbsmax absmax;

    /** The per-block scales as resident tensors. */
    private sealed interface ResidentAbsmax {
        /** F32 [blocks] in the current scope (or the resident tensor itself when plain). */
        Tensor recover();

        /** Bytes of per-tensor data (the shared nested code map excluded). */
        long bytes();

        Absmax toAbsmax();
    }

    private record PlainAbsmax(Tensor values) implements ResidentAbsmax {
        @Override public Tensor recover() { return values; }

        @Override public long bytes() { return byteCount(values); }

        @Override public Absmax toAbsmax() { return new Absmax.Plain(values.toFloatArray()); }
    }

    /** codes U8 [blocks], nested F32 [ceil(blocks / nestedBlocksize)], offset F32 [], codeMap F32 [256]. */
    private record DoubleQuantizedAbsmax(Tensor codes, Tensor nested, Tensor offset, Tensor codeMap, int nestedBlocksize)
            implements ResidentAbsmax {
        @Override
        public Tensor recover() {
            if (codes.device().kind() == Device.Kind.CPU && codes.isContiguous() && nested.isContiguous() && codeMap.isContiguous()) {
                return recoverOnHost();
            }
            int blocks = codes.dim(0);
            int groups = nested.dim(0);
            Tensor dynamic = Ops.indexSelect(codeMap, Ops.cast(codes, DType.I32));           // [blocks]
            Tensor scales = nested.unsqueeze(1).expand(groups, nestedBlocksize)               // [groups, nestedBlocksize]
                    .reshape(-1).narrow(0, 0, blocks);                                        // [blocks]
            return Ops.add(Ops.mul(dynamic, scales), offset);                                 // [blocks]
        }

        /**
         * The same float32 arithmetic in one pass over host memory (the op chain above costs ~4 ms on a 4096²
         * weight): the 256-value map is read into an array once, and each nested group's scale once per group
         * (a per-element segment read and division made this 0.48 ms of a 4096² decode step's 1.05 ms).
         */
        private Tensor recoverOnHost() {
            int blocks = codes.dim(0);
            MemorySegment c = codes.storage().segment(), n = nested.storage().segment();
            long c0 = codes.layout().offset(), n0 = nested.layout().offset();
            float[] map = new float[codeMap.dim(0)];
            MemorySegment.copy(codeMap.storage().segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, codeMap.layout().offset() * Float.BYTES,
                    map, 0, map.length);
            float shift = (float) offset.item();
            Tensor out = Tensor.empty(DType.F32, blocks);                                      // [blocks]
            MemorySegment o = out.storage().segment();
            for (int group = 0, i = 0; i < blocks; group++) {
                float scale = n.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, n0 + group);
                for (int end = Math.min(blocks, i + nestedBlocksize); i < end; i++) {
                    o.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, map[c.get(ValueLayout.JAVA_BYTE, c0 + i) & 0xff] * scale + shift);
                }
            }
            return out;
        }

        @Override
        public long bytes() { return byteCount(codes) + byteCount(nested) + byteCount(offset); }

        @Override
        public Absmax toAbsmax() {
            return new Absmax.DoubleQuantized(codes.toRawBytes(), nested.toFloatArray(), (float) offset.item(),
                    CodeBook.of(codeMap.toFloatArray()), nestedBlocksize);
        }
    }

    private FourBitLayerWeight(QuantizedTensor q, CodeBookTensors books) {
        String what = "QuantizedLinear weight " + q;
        if (!q.format().isFourBit()) {
            throw new IllegalArgumentException(what + ": only NF4 and FP4 weights run in the 4-bit layer (INT8 is a storage format here)");
        }
        if (q.shape().rank() != 2) throw new IllegalArgumentException(what + ": a linear weight must be [out, in]");
        this.format = q.format();
        this.shape = q.shape();
        this.originalDType = q.originalDType();
        this.blocksize = q.blocksize();
        byte[] packed = q.dataCopy();
        this.codes = Tensor.ofRawBytes(DType.U8, packed, packed.length);                    // [out * in / 2] U8
        this.codebook = books.of(q.codeBook());
        this.absmax = switch (q.absmax()) {
            case Absmax.Plain p -> new PlainAbsmax(Tensor.of(p.values(), p.blocks()));
            case Absmax.DoubleQuantized d -> new DoubleQuantizedAbsmax(Tensor.ofRawBytes(DType.U8, d.codes(), d.blocks()), Tensor.of(d.nestedAbsmax(),
                    d.nestedAbsmax().length), Tensor.of(new float[] {d.offset()}), books.of(d.nestedCodeMap()), d.nestedBlocksize());
        };
    }

    /**
     * Copies a 4-bit {@link QuantizedTensor} [out, in] into tensors of the current scope (on its backend,
     * host or accelerator), taking its code books from {@code books}.
     */
    public static FourBitLayerWeight of(QuantizedTensor q, CodeBookTensors books) { return new FourBitLayerWeight(q, books); }

    /** The parts the fused product takes, absmax recovered to float32 in the current scope. */
    public PackedWeight packed() { return new PackedWeight(codes, absmax.recover(), codebook, shape.dim(0), shape.dim(1), blocksize); }

    /** A host copy in the {@link QuantizedTensor} form (for checkpoints and merging); equal to the tensor it was made from. */
    public QuantizedTensor toQuantizedTensor() {
        return new QuantizedTensor("QuantizedLinear weight " + shape, format, shape, originalDType, blocksize, codes.toRawBytes(), absmax.toAbsmax());
    }

    /**
     * Resident bytes of this weight's own data: codes and absmax storage (bnb's bits-per-parameter
     * measure, {@link QuantizedTensor#bitsPerParameter()}); the shared code books are counted by
     * {@link CodeBookTensors#byteSize()}.
     */
    public long dataBytes() { return byteCount(codes) + absmax.bytes(); }

    /** The code-book tensors this weight reads (shared with other layers; see {@link CodeBookTensors}). */
    public List<Tensor> codeBooks() {
        return absmax instanceof DoubleQuantizedAbsmax d ? List.of(codebook, d.codeMap()) : List.of(codebook);
    }

    public QuantFormat format() { return format; }

    /** [out, in]. */
    public Shape shape() { return shape; }

    public DType originalDType() { return originalDType; }

    public int blocksize() { return blocksize; }

    private static long byteCount(Tensor t) { return t.numel() * t.dtype().byteSize(); }

    @Override
    public String toString() { return "FourBitLayerWeight[" + format + " " + shape + ", blocks of " + blocksize + ", " + dataBytes() + " bytes]"; }
}
