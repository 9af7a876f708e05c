package dev.hone.quant;

import dev.hone.tensor.DType;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * A frozen weight in a quantization format, laid out exactly as bitsandbytes stores it:
 * <ul>
 *   <li>NF4 / FP4: {@code data} holds ceil(numel / 2) bytes, two 4-bit codes each, element 2i in the high
 *       nibble; the flattened row-major weight is split into blocks of {@code blocksize} (the last may be
 *       partial); element i decodes to {@code codeBook[code(i)] * absmax[i / blocksize]}.</li>
 *   <li>INT8: {@code data} holds numel int8 codes; blocks are the rows of the last axis; element (r, c)
 *       decodes to {@code q * absmax[r] / 127}.</li>
 * </ul>
 * Instances are immutable: the arrays are copied in and exposed only read-only or as copies.
 * {@link #bitsPerParameter()} counts codes and absmax storage, not the constant code books (the
 * QLoRA paper's measure: NF4 with double quantization at blocksize 64 is 4.127 bits).
 */
public final class QuantizedTensor {
    private final QuantFormat format;
    private final Shape shape;
    private final DType originalDType;
    private final int blocksize;
    private final byte[] data;
    private final Absmax absmax;

    /** Assembles a tensor from stored parts, checking that they fit together (messages name {@code what}). */
    public QuantizedTensor(String what, QuantFormat format, Shape shape, DType originalDType, int blocksize, byte[] data, Absmax absmax) {
        Objects.requireNonNull(absmax, "absmax");
        if (!originalDType.isFloating()) throw new IllegalArgumentException(what + ": original dtype " + originalDType + " is not a float type");
        long numel = shape.numel();
        if (format.isFourBit()) {
            QuantSpec.checkBlocksize(what, blocksize);
            if (data.length != (numel + 1) / 2) {
                throw new IllegalArgumentException(what + ": " + format + " " + shape + " needs " + (numel + 1) / 2
                        + " packed bytes, got " + data.length);
            }
        } else {
            if (shape.rank() < 1 || blocksize != shape.dim(-1)) {
                throw new IllegalArgumentException(what + ": INT8 " + shape + " needs blocksize = last dimension, got " + blocksize);
            }
            if (data.length != numel) throw new IllegalArgumentException(what + ": INT8 " + shape + " needs " + numel + " codes, got " + data.length);
            if (!(absmax instanceof Absmax.Plain)) throw new IllegalArgumentException(what + ": INT8 stores plain float32 row absmax");
        }
        int expectedBlocks = blocksize == 0 ? 0 : Blockwise.blockCount(numel, blocksize);
        if (absmax.blocks() != expectedBlocks) {
            throw new IllegalArgumentException(what + ": " + format + " " + shape + " in blocks of " + blocksize + " needs "
                    + expectedBlocks + " absmax values, got " + absmax.blocks());
        }
        this.format = format;
        this.shape = shape;
        this.originalDType = originalDType;
        this.blocksize = blocksize;
        this.data = data.clone();
        this.absmax = absmax;
    }

    // ---------------------------------------------------------------- quantize

    /** Quantizes row-major {@code values} of {@code shape} (treated as float32 originals). */
    public static QuantizedTensor quantize(float[] values, Shape shape, QuantSpec spec) {
        return quantize(values, shape, DType.F32, spec);
    }

    /** Quantizes a float tensor (F32, BF16, F16: converted exactly to float32 first); any backend readable on the host. */
    public static QuantizedTensor quantize(Tensor weight, QuantSpec spec) {
        if (!weight.dtype().isFloating() || weight.dtype() == DType.F64) {
            throw new IllegalArgumentException("quantize " + spec.format() + ": weight " + weight.shape() + " has dtype " + weight.dtype()
                    + ", expected F32, BF16 or F16");
        }
        return quantize(weight.toFloatArray(), weight.shape(), weight.dtype(), spec);
    }

    private static QuantizedTensor quantize(float[] values, Shape shape, DType originalDType, QuantSpec spec) {
        String what = "quantize " + spec.format() + " " + shape;
        if (values.length != shape.numel()) throw new IllegalArgumentException(what + ": " + values.length + " values for the shape");
        if (values.length == 0) throw new IllegalArgumentException(what + ": empty tensor");
        if (spec.format() == QuantFormat.INT8) {
            if (shape.rank() < 1) throw new IllegalArgumentException(what + ": INT8 needs at least one axis (rows = numel / last dim)");
            int cols = shape.dim(-1);
            int rows = values.length / cols;
            float[] rowMax = Int8Rowwise.rowAbsmax(values, rows, cols);
            byte[] codes = Int8Rowwise.codes(values, rows, cols, rowMax);
            return new QuantizedTensor(what, QuantFormat.INT8, shape, originalDType, cols, codes, new Absmax.Plain(rowMax));
        }
        float[] blockMax = Blockwise.absmax(values, spec.blocksize());
        byte[] packed = Blockwise.packFourBit(values, spec.blocksize(), blockMax, spec.format().codeBook());
        Absmax stored = spec.absmaxEncoding() == AbsmaxEncoding.DOUBLE_QUANT ? Blockwise.doubleQuantize(blockMax) : new Absmax.Plain(blockMax);
        return new QuantizedTensor(what, spec.format(), shape, originalDType, spec.blocksize(), packed, stored);
    }

    // ---------------------------------------------------------------- dequantize

    /** The float32 values, row-major. */
    public float[] dequantize() {
        float[] out = new float[Math.toIntExact(numel())];
        if (format == QuantFormat.INT8) Int8Rowwise.dequantize(data, absmax.recover(), blocksize, out);
        else Blockwise.dequantizeFourBit(data, absmax.recover(), blocksize, format.codeBook(), out);
        return out;
    }

    /** The dequantized weight as an F32 tensor in the current scope. */
    public Tensor dequantizeTensor() { return Tensor.of(dequantize(), shape.dims()); }

    /** The dequantized weight converted to {@code dtype} (e.g. the original BF16) in the current scope. */
    public Tensor dequantizeTensor(DType dtype) { return dequantizeTensor().to(dtype); }

    // ---------------------------------------------------------------- properties

    public QuantFormat format() { return format; }

    /** The shape of the original (unquantized) weight. */
    public Shape shape() { return shape; }

    /** The dtype the weight had before quantization (bnb's quant_state "dtype"). */
    public DType originalDType() { return originalDType; }

    /** Elements per absmax block (the row length for INT8). */
    public int blocksize() { return blocksize; }

    public long numel() { return shape.numel(); }

    public Absmax absmax() { return absmax; }

    /** The float32 absmax of every block (recovered when double-quantized). */
    public float[] blockAbsmax() { return absmax.recover(); }

    /** The code book of a 4-bit format. */
    public CodeBook codeBook() { return format.codeBook(); }

    /** A read-only view of the packed codes (4-bit) or int8 codes. */
    public MemorySegment data() { return MemorySegment.ofArray(data).asReadOnly(); }

    /** A copy of the packed codes (4-bit) or int8 codes. */
    public byte[] dataCopy() { return data.clone(); }

    /** The 4-bit code of flat element {@code i}. */
    public int code(long i) {
        if (!format.isFourBit()) throw new UnsupportedOperationException("code(i) of an INT8 tensor: read data() as int8");
        return Blockwise.fourBitCode(data, i);
    }

    /** Bytes held: codes, absmax storage, and the code books (16 floats for 4-bit, plus 256 when double-quantized). */
    public long byteSize() {
        long books = format.isFourBit() ? 16 * 4 : 0;
        if (absmax instanceof Absmax.DoubleQuantized) books += 256 * 4;
        return data.length + absmax.dataBytes() + books;
    }

    /** Storage bits per weight, code books excluded: 4.5 for NF4/64, 4.127 with double quantization, ~8 for INT8. */
    public double bitsPerParameter() { return 8.0 * (data.length + absmax.dataBytes()) / numel(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantizedTensor q && format == q.format && shape.equals(q.shape) && originalDType == q.originalDType
                && blocksize == q.blocksize && Arrays.equals(data, q.data) && absmax.equals(q.absmax);
    }

    @Override
    public int hashCode() { return Objects.hash(format, shape, originalDType, blocksize, Arrays.hashCode(data), absmax); }

    @Override
    public String toString() {
        return "QuantizedTensor[" + format + " " + shape + " from " + originalDType + ", blocks of " + blocksize + ", " + absmax + "]";
    }
}
