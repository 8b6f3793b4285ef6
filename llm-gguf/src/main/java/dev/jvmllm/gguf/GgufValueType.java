package dev.jvmllm.gguf;

/**
 * The type of a GGUF metadata value, with its id in the file format.
 *
 * <p>How {@link GgufFile#metadata()} represents each type in Java:
 * <table>
 *   <caption>Java representation</caption>
 *   <tr><th>type</th><th>scalar value</th><th>array element (inside an {@link #ARRAY})</th></tr>
 *   <tr><td>UINT8, INT8</td><td>{@code Integer}</td><td>{@code byte[]} (raw bits; mask UINT8 with {@code & 0xFF})</td></tr>
 *   <tr><td>UINT16, INT16</td><td>{@code Integer}</td><td>{@code short[]} (raw bits)</td></tr>
 *   <tr><td>INT32</td><td>{@code Integer}</td><td>{@code int[]}</td></tr>
 *   <tr><td>UINT32</td><td>{@code Long} (0 .. 2<sup>32</sup>-1)</td><td>{@code int[]} (raw bits)</td></tr>
 *   <tr><td>INT64, UINT64</td><td>{@code Long} (UINT64: raw bits)</td><td>{@code long[]}</td></tr>
 *   <tr><td>FLOAT32</td><td>{@code Float}</td><td>{@code float[]}</td></tr>
 *   <tr><td>FLOAT64</td><td>{@code Double}</td><td>{@code double[]}</td></tr>
 *   <tr><td>BOOL</td><td>{@code Boolean}</td><td>{@code boolean[]}</td></tr>
 *   <tr><td>STRING</td><td>{@code String}</td><td>{@code List<String>}</td></tr>
 *   <tr><td>ARRAY</td><td>see the element column</td><td>not allowed: GGUF (like llama.cpp) has no nested arrays</td></tr>
 * </table>
 * Scalars widen so that unsigned values stay non-negative; arrays keep the raw element width so a
 * large vocabulary does not cost a boxed object per entry.
 */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, 8),
    ARRAY(9, 12),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = new GgufValueType[13];

    static {
        for (GgufValueType type : values()) {
            BY_ID[type.id] = type;
        }
    }

    private final int id;
    private final int minBytes;

    GgufValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    /** The id stored in the file. */
    public int id() {
        return id;
    }

    /**
     * The fewest bytes one value of this type takes in a file: its size for fixed-size types, the
     * length prefix for strings, the element type and count for arrays. Used to bound counts by
     * the file size before allocating anything.
     */
    int minBytes() {
        return minBytes;
    }

    /** True for the eight integer types. */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /**
     * The type with this id.
     *
     * @throws GgufFormatException if there is none
     */
    public static GgufValueType byId(long id) {
        if (id < 0 || id >= BY_ID.length) {
            throw new GgufFormatException("unknown GGUF metadata value type " + id);
        }
        return BY_ID[(int) id];
    }
}
