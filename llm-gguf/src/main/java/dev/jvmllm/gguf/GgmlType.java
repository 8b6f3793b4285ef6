package dev.jvmllm.gguf;

/**
 * The element type of a tensor (ggml's {@code enum ggml_type}), with its id and storage geometry:
 * quantized types store {@link #blockSize()} elements in {@link #blockBytes()} bytes. Ids that ggml
 * has retired (4, 5, 31..33, 36..38) are not listed and make a file invalid.
 */
public enum GgmlType {
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
    NVFP4(40, 64, 36),
    Q1_0(41, 128, 18),
    Q2_0(42, 64, 18);

    private static final GgmlType[] BY_ID = new GgmlType[43];

    static {
        for (GgmlType type : values()) {
            BY_ID[type.id] = type;
        }
    }

    private final int id;
    private final int blockSize;
    private final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The id stored in the file. */
    public int id() {
        return id;
    }

    /** How many elements one block holds (1 for plain types). */
    public int blockSize() {
        return blockSize;
    }

    /** How many bytes one block takes. */
    public int blockBytes() {
        return blockBytes;
    }

    /**
     * Bytes that {@code elements} elements take; {@code elements} must be a multiple of the block
     * size (ggml requires that of every row).
     */
    public long bytesFor(long elements) {
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    /**
     * The type with this id.
     *
     * @throws GgufFormatException if ggml has no (or no longer a) type with that id
     */
    public static GgmlType byId(long id) {
        GgmlType type = id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
        if (type == null) {
            throw new GgufFormatException("unknown ggml tensor type " + id);
        }
        return type;
    }
}
