package dev.hone.quant;

/**
 * The weight formats of a {@link QuantizedTensor}. NF4 and FP4 are bitsandbytes' blockwise 4-bit
 * formats (two codes per byte, per-block float32 absmax); INT8 is LLM.int8()-style rowwise absmax
 * quantization (arXiv:2208.07339): one int8 per weight and one float32 absmax per output row.
 */
public enum QuantFormat {
    NF4("nf4"),
    FP4("fp4"),
    INT8("int8");

    private final String bnbName;

    QuantFormat(String bnbName) { this.bnbName = bnbName; }

    /** The name bitsandbytes uses: "nf4", "fp4" (quant_type) or "int8". */
    public String bnbName() { return bnbName; }

    public boolean isFourBit() { return this != INT8; }

    /** The 16-entry table of a 4-bit format; INT8 has none (its codes are the integers -127..127). */
    public CodeBook codeBook() {
        return switch (this) {
            case NF4 -> CodeBooks.nf4();
            case FP4 -> CodeBooks.fp4();
            case INT8 -> throw new UnsupportedOperationException("INT8 has no code book: its codes are the integers -127..127");
        };
    }

    /** The 4-bit format bitsandbytes calls {@code quantType}, or an exception naming the accepted names. */
    public static QuantFormat ofBnbQuantType(String quantType) {
        return switch (quantType) {
            case "nf4" -> NF4;
            case "fp4" -> FP4;
            default -> throw new IllegalArgumentException("unknown bitsandbytes quant_type '" + quantType + "' (expected nf4 or fp4)");
        };
    }
}
