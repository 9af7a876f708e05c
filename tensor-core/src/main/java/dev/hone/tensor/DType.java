package dev.hone.tensor;

/**
 * Element types a tensor can hold. Sizes are in bytes; {@link #safetensorsName()} is the name the
 * safetensors format uses. There are no silent casts between them: every conversion is an explicit
 * {@code cast}. 16-bit floating types accumulate in F32 inside kernels. F64 exists for the float64
 * finite-difference gradient checks and for reference computations; models do not use it.
 */
public enum DType {
    F32(4, "F32", true),
    BF16(2, "BF16", true),
    F16(2, "F16", true),
    F64(8, "F64", true),
    I8(1, "I8", false),
    U8(1, "U8", false),
    I32(4, "I32", false),
    I64(8, "I64", false),
    BOOL(1, "BOOL", false);

    private final int byteSize;
    private final String safetensorsName;
    private final boolean floating;

    DType(int byteSize, String safetensorsName, boolean floating) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
        this.floating = floating;
    }

    public int byteSize() { return byteSize; }

    public String safetensorsName() { return safetensorsName; }

    public boolean isFloating() { return floating; }

    public boolean isInteger() { return !floating && this != BOOL; }

    /** The dtype with this safetensors name, or an exception naming the unknown name and the known ones. */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) return t;
        }
        throw new IllegalArgumentException("unknown dtype '" + name + "' (known: F32, BF16, F16, F64, I8, U8, I32, I64, BOOL)");
    }
}
