package dev.cortado.tensor;

import java.util.Locale;

/**
 * Element types of tensors, with GGML's ids, block sizes and block byte sizes. Every type GGUF
 * files may carry is listed so that readers can validate sizes and name what they cannot use;
 * {@link #codec()} is non-null for the types Cortado can (de)quantize.
 *
 * <p>A tensor of {@code n} elements of a block type takes {@code n / blockSize * blockBytes} bytes;
 * each row's length must be a multiple of the block size.
 *
 * <p>{@link #NF4} is Cortado's own type (QLoRA's 4-bit NormalFloat, see {@link NF4Codec}), not a GGUF
 * one: its id lies outside GGML's range, {@link #fromGgmlId} never returns it, and its size is per
 * row ({@link #rowBytes}) since each row carries its own group constants.
 */
public enum TensorType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17),
    // ---- Cortado's own types (not in GGUF files) ----
    /** 64-element blocks of 32 bytes of codes + 1 absmax code, plus 8 bytes per row per 256 blocks. */
    NF4(1000, 64, 33);

    /** Ids from here up are Cortado's own, never GGML's. */
    static final int FIRST_CORTADO_ID = 1000;

    private final int ggmlId;
    private final int blockSize;
    private final int blockBytes;

    TensorType(int ggmlId, int blockSize, int blockBytes) {
        this.ggmlId = ggmlId;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    private static final TensorType[] BY_ID = new TensorType[64];

    static {
        for (TensorType t : values()) if (t.isGgml()) BY_ID[t.ggmlId] = t;
    }

    /** GGML's numeric id (as stored in GGUF tensor infos). */
    public int ggmlId() {
        return ggmlId;
    }

    /** Elements per block (1 for plain types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** Whether GGML (and so GGUF) knows this type; false for Cortado's own ({@link #NF4}). */
    public boolean isGgml() {
        return ggmlId < FIRST_CORTADO_ID;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Lower-case name as users type it: {@code q4_k}, {@code f16}. */
    public String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Bytes for {@code elements} elements; the count must be a multiple of the block size. For
     * {@link #NF4} this is the size of ONE row of that many elements: use {@link #byteSize(long, long)}
     * for a matrix.
     */
    public long byteSize(long elements) {
        if (elements < 0 || elements % blockSize != 0) {
            throw new IllegalArgumentException(this + ": " + elements + " elements is not a multiple of the block size " + blockSize);
        }
        long bytes = Math.multiplyExact(elements / blockSize, (long) blockBytes);
        if (this == NF4) bytes = Math.addExact(bytes, 8 * NF4Codec.groups(elements));
        return bytes;
    }

    /** Bytes of one row of {@code rowLength} elements (a multiple of the block size). */
    public long rowBytes(long rowLength) {
        return byteSize(rowLength);
    }

    /** Bytes of {@code rows} rows of {@code rowLength} elements each: exact for every type, NF4 included. */
    public long byteSize(long rows, long rowLength) {
        if (rows < 0) throw new IllegalArgumentException(this + ": " + rows + " rows");
        return Math.multiplyExact(rows, rowBytes(rowLength));
    }

    /** The Java reference codec for this type, or null when Cortado cannot (de)quantize it. */
    public BlockCodec codec() {
        return Codecs.of(this);
    }

    /** The type with this GGML id, or null when the id is unknown. */
    public static TensorType fromGgmlId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /** The type named {@code name} (case-insensitive), or null. */
    public static TensorType fromName(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
