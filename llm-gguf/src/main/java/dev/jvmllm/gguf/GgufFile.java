package dev.jvmllm.gguf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The header of a GGUF file (versions 2 and 3): its metadata and the descriptions of its tensors.
 * {@link #open} reads only the header, through a small buffer, and checks every count and length
 * against the file size, so it is also a cheap and safe check that a file is a complete GGUF file:
 * a corrupt or truncated file raises a {@link GgufFormatException} saying what is wrong, never an
 * {@code OutOfMemoryError}. Tensor data is read on demand by {@link #readF32} and
 * {@link #readBytes}, which map just that tensor's bytes.
 *
 * <p>Instances are immutable and hold no open file, so there is nothing to close.
 *
 * <pre>{@code
 * GgufFile gguf = GgufFile.open(Path.of("stories260K.gguf"));
 * String arch = gguf.architecture().orElseThrow();                 // "llama"
 * int context = gguf.getInt(arch + ".context_length").orElse(0);   // 2048
 * float[] embeddings = gguf.readF32(gguf.tensor("token_embd.weight").orElseThrow());
 * }</pre>
 */
public final class GgufFile {
    /** The first four bytes of every GGUF file, {@code "GGUF"}, read as a little-endian int. */
    public static final int MAGIC = 0x46554747;
    /** The tensor data alignment when {@code general.alignment} is absent. */
    public static final int DEFAULT_ALIGNMENT = 32;
    /** The metadata key that overrides the tensor data alignment. */
    public static final String ALIGNMENT_KEY = "general.alignment";
    /** ggml's limit on the number of tensor dimensions. */
    public static final int MAX_DIMENSIONS = 4;
    /** ggml keeps tensor names in a 64-byte buffer with a terminating NUL. */
    public static final int MAX_TENSOR_NAME_BYTES = 63;

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final long fileSize;
    private final int version;
    private final List<GgufKeyValue> keyValues;
    private final Map<String, GgufKeyValue> byKey;
    private final Map<String, Object> metadata;
    private final List<GgufTensor> tensors;
    private final Map<String, GgufTensor> tensorsByName;
    private final int alignment;
    private final long dataStart;

    private GgufFile(Path path, long fileSize, int version, List<GgufKeyValue> keyValues, List<GgufTensor> tensors,
                     int alignment, long dataStart) {
        this.path = path;
        this.fileSize = fileSize;
        this.version = version;
        this.keyValues = List.copyOf(keyValues);
        Map<String, GgufKeyValue> keys = new HashMap<>();
        Map<String, Object> values = new LinkedHashMap<>();
        for (GgufKeyValue kv : keyValues) {
            keys.put(kv.key(), kv);
            values.put(kv.key(), kv.value());
        }
        this.byKey = keys;
        this.metadata = Collections.unmodifiableMap(values);
        this.tensors = List.copyOf(tensors);
        Map<String, GgufTensor> names = new HashMap<>();
        for (GgufTensor tensor : tensors) {
            names.put(tensor.name(), tensor);
        }
        this.tensorsByName = names;
        this.alignment = alignment;
        this.dataStart = dataStart;
    }

    /**
     * Reads the header of a GGUF file.
     *
     * @throws GgufFormatException if the file is empty, not a GGUF file, of an unsupported version,
     *                             truncated or corrupt
     * @throws UncheckedIOException if the file cannot be read (missing, a directory, no permission)
     */
    public static GgufFile open(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return read(path, channel);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e, e);
        }
    }

    /**
     * Whether the file starts with the GGUF magic bytes. Reads four bytes; never throws (an
     * unreadable file is simply not a GGUF file here).
     */
    public static boolean hasMagic(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer magic = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            while (magic.hasRemaining()) {
                if (channel.read(magic) < 0) {
                    return false;
                }
            }
            return magic.getInt(0) == MAGIC;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static GgufFile read(Path path, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size == 0) {
            throw new GgufFormatException("not a GGUF file: " + path + " is empty");
        }
        if (size < 4) {
            throw new GgufFormatException("not a GGUF file: " + path + " has only " + size + " bytes");
        }
        HeaderReader in = new HeaderReader(channel, size);
        int magic = in.i32();
        if (magic != MAGIC) {
            throw new GgufFormatException("not a GGUF file (magic " + describeMagic(magic) + ", expected 'GGUF'): " + path);
        }
        in.require(4 + 8 + 8, "the GGUF header");
        long version = in.u32();
        if (version == 1) {
            throw new GgufFormatException("GGUF version 1 is not supported (only 2 and 3): " + path);
        }
        if (version != 2 && version != 3) {
            // a big-endian file stores 3 as 0x03000000
            String hint = (version & 0xFFFF) == 0 ? " (looks like a big-endian GGUF file)" : "";
            throw new GgufFormatException("unsupported GGUF version " + version + hint + " (only 2 and 3): " + path);
        }
        in.context("the tensor and metadata counts");
        // every tensor description takes at least 24 bytes, every metadata entry at least 13
        int tensorCount = in.count("tensor count", 8 + 4 + 4 + 8);
        int keyValueCount = in.count("metadata entry count", 8 + 4 + 1);

        List<GgufKeyValue> keyValues = new ArrayList<>(Math.min(keyValueCount, 1024));
        Map<String, GgufKeyValue> seen = new HashMap<>();
        for (int i = 0; i < keyValueCount; i++) {
            in.context("metadata entry " + i);
            String key = in.string();
            in.context("metadata entry '" + key + "'");
            GgufKeyValue kv = readValue(in, key);
            if (seen.putIfAbsent(key, kv) != null) {
                throw new GgufFormatException("corrupt GGUF: duplicate metadata key '" + key + "' in " + path);
            }
            keyValues.add(kv);
        }
        int alignment = alignment(seen.get(ALIGNMENT_KEY), path);

        List<GgufTensor> tensors = new ArrayList<>(Math.min(tensorCount, 4096));
        Map<String, GgufTensor> names = new HashMap<>();
        for (int i = 0; i < tensorCount; i++) {
            in.context("tensor description " + i);
            GgufTensor tensor = readTensor(in, alignment, path);
            if (names.putIfAbsent(tensor.name(), tensor) != null) {
                throw new GgufFormatException("corrupt GGUF: duplicate tensor name '" + tensor.name() + "' in " + path);
            }
            tensors.add(tensor);
        }
        long dataStart = in.align(in.position(), alignment);
        for (GgufTensor tensor : tensors) {
            long end = dataStart + tensor.offset() + tensor.byteSize();
            if (tensor.offset() > size || end > size || end < 0) {
                throw new GgufFormatException("truncated GGUF: the data of tensor '" + tensor.name() + "' ends at offset "
                        + Long.toUnsignedString(end) + ", but the file ends at " + size + ": " + path);
            }
        }
        return new GgufFile(path, size, (int) version, keyValues, tensors, alignment, dataStart);
    }

    private static String describeMagic(int magic) {
        StringBuilder text = new StringBuilder(String.format("0x%08x", Integer.reverseBytes(magic)));
        boolean printable = true;
        for (int i = 0; i < 4; i++) {
            int b = (magic >>> (8 * i)) & 0xFF;
            printable &= b >= 0x20 && b < 0x7F;
        }
        if (printable) {
            text.append(" '");
            for (int i = 0; i < 4; i++) {
                text.append((char) ((magic >>> (8 * i)) & 0xFF));
            }
            text.append('\'');
        }
        return text.toString();
    }

    private static int alignment(GgufKeyValue kv, Path path) {
        if (kv == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (kv.type() != GgufValueType.UINT32) {
            throw new GgufFormatException("corrupt GGUF: " + ALIGNMENT_KEY + " is a " + kv.type() + ", not a UINT32: " + path);
        }
        long value = (Long) kv.value();
        if (value == 0 || Long.bitCount(value) != 1 || value > (1 << 30)) {
            throw new GgufFormatException("corrupt GGUF: " + ALIGNMENT_KEY + " is " + value
                    + ", not a power of two: " + path);
        }
        return (int) value;
    }

    private static GgufKeyValue readValue(HeaderReader in, String key) {
        GgufValueType type = GgufValueType.byId(in.u32());
        if (type != GgufValueType.ARRAY) {
            return new GgufKeyValue(key, type, null, readScalar(in, type));
        }
        GgufValueType elementType = GgufValueType.byId(in.u32());
        if (elementType == GgufValueType.ARRAY) {
            throw new GgufFormatException("unsupported GGUF: metadata '" + key + "' is an array of arrays");
        }
        int n = in.count("array length", elementType.minBytes());
        Object value = switch (elementType) {
            case UINT8, INT8 -> {
                byte[] a = new byte[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.i8();
                }
                yield a;
            }
            case UINT16, INT16 -> {
                short[] a = new short[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.i16();
                }
                yield a;
            }
            case UINT32, INT32 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.i32();
                }
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.i64();
                }
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.f32();
                }
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.f64();
                }
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = in.bool();
                }
                yield a;
            }
            case STRING -> {
                List<String> a = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    a.add(in.string());
                }
                yield Collections.unmodifiableList(a);
            }
            case ARRAY -> throw new AssertionError("rejected above");
        };
        return new GgufKeyValue(key, type, elementType, value);
    }

    private static Object readScalar(HeaderReader in, GgufValueType type) {
        return switch (type) {
            case UINT8 -> in.u8();
            case INT8 -> (int) in.i8();
            case UINT16 -> in.i16() & 0xFFFF;
            case INT16 -> (int) in.i16();
            case UINT32 -> in.u32();
            case INT32 -> in.i32();
            case UINT64, INT64 -> in.i64();
            case FLOAT32 -> in.f32();
            case FLOAT64 -> in.f64();
            case BOOL -> in.bool();
            case STRING -> in.string();
            case ARRAY -> throw new AssertionError("arrays are read by readValue");
        };
    }

    private static GgufTensor readTensor(HeaderReader in, int alignment, Path path) {
        String name = in.string();
        in.context("the description of tensor '" + name + "'");
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_TENSOR_NAME_BYTES) {
            throw new GgufFormatException("unsupported GGUF: tensor name '" + name + "' is longer than "
                    + MAX_TENSOR_NAME_BYTES + " bytes: " + path);
        }
        long rank = in.u32();
        if (rank < 1 || rank > MAX_DIMENSIONS) {
            throw new GgufFormatException("corrupt GGUF: tensor '" + name + "' has " + rank + " dimensions (1.."
                    + MAX_DIMENSIONS + " allowed): " + path);
        }
        in.require(rank * 8 + 4 + 8, "the dimensions, type and offset of tensor '" + name + "'");
        long[] dimensions = new long[(int) rank];
        long elements = 1;
        for (int d = 0; d < rank; d++) {
            dimensions[d] = in.i64();
            if (dimensions[d] < 0) {
                throw new GgufFormatException("corrupt GGUF: tensor '" + name + "' has dimension " + d + " of "
                        + Long.toUnsignedString(dimensions[d]) + ": " + path);
            }
            try {
                elements = Math.multiplyExact(elements, dimensions[d]);
            } catch (ArithmeticException e) {
                throw new GgufFormatException("corrupt GGUF: tensor '" + name + "' has too many elements: " + path);
            }
        }
        GgmlType type;
        try {
            type = GgmlType.byId(in.u32());
        } catch (GgufFormatException e) {
            throw new GgufFormatException("unsupported GGUF: tensor '" + name + "' has an " + e.getMessage() + ": " + path);
        }
        if (dimensions[0] % type.blockSize() != 0) {
            throw new GgufFormatException("corrupt GGUF: tensor '" + name + "' of type " + type + " has rows of "
                    + dimensions[0] + " elements, not a multiple of the block size " + type.blockSize() + ": " + path);
        }
        long offset = in.i64();
        if (offset < 0 || offset % alignment != 0) {
            throw new GgufFormatException("corrupt GGUF: tensor '" + name + "' has offset " + Long.toUnsignedString(offset)
                    + ", not a multiple of the alignment " + alignment + ": " + path);
        }
        long bytes;
        try {
            bytes = type.bytesFor(elements);
        } catch (ArithmeticException e) {
            throw new GgufFormatException("corrupt GGUF: tensor '" + name + "' has too many elements: " + path);
        }
        return new GgufTensor(name, dimensions, type, offset, bytes);
    }

    /** The path this header was read from. */
    public Path path() {
        return path;
    }

    /** The file's size in bytes when it was opened. */
    public long fileSize() {
        return fileSize;
    }

    /** The GGUF version: 2 or 3. */
    public int version() {
        return version;
    }

    /** The tensor data alignment: {@code general.alignment}, or {@value #DEFAULT_ALIGNMENT}. */
    public int alignment() {
        return alignment;
    }

    /** The file offset where tensor data starts; tensor offsets are relative to it. */
    public long dataStart() {
        return dataStart;
    }

    /**
     * All metadata, key to value, in file order. Values use the Java types that
     * {@link GgufValueType} documents; arrays are this object's own: treat them as read-only.
     */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** All metadata entries with their types, in file order. */
    public List<GgufKeyValue> keyValues() {
        return keyValues;
    }

    /** The metadata entry of a key, with its type. */
    public Optional<GgufKeyValue> keyValue(String key) {
        return Optional.ofNullable(byKey.get(key));
    }

    /** The architecture the model declares in {@code general.architecture}, such as {@code llama}. */
    public Optional<String> architecture() {
        return getString("general.architecture");
    }

    /**
     * A string value.
     *
     * @throws GgufFormatException if the key holds something else
     */
    public Optional<String> getString(String key) {
        GgufKeyValue kv = byKey.get(key);
        if (kv == null) {
            return Optional.empty();
        }
        if (kv.type() != GgufValueType.STRING) {
            throw wrongType(kv, "a STRING");
        }
        return Optional.of((String) kv.value());
    }

    /**
     * An integer value of any integer type, which must fit an {@code int}.
     *
     * @throws GgufFormatException if the key holds something else or a value outside the int range
     */
    public OptionalInt getInt(String key) {
        OptionalLong value = getLong(key);
        if (value.isEmpty()) {
            return OptionalInt.empty();
        }
        long v = value.getAsLong();
        if (v != (int) v) {
            throw new GgufFormatException("metadata '" + key + "' is " + v + ", outside the int range");
        }
        return OptionalInt.of((int) v);
    }

    /**
     * An integer value of any integer type.
     *
     * @throws GgufFormatException if the key holds something else, or a UINT64 above {@code Long.MAX_VALUE}
     */
    public OptionalLong getLong(String key) {
        GgufKeyValue kv = byKey.get(key);
        if (kv == null) {
            return OptionalLong.empty();
        }
        if (!kv.type().isInteger()) {
            throw wrongType(kv, "an integer");
        }
        long v = ((Number) kv.value()).longValue();
        if (kv.type() == GgufValueType.UINT64 && v < 0) {
            throw new GgufFormatException("metadata '" + key + "' is " + Long.toUnsignedString(v) + ", outside the long range");
        }
        return OptionalLong.of(v);
    }

    /**
     * A number of any type (FLOAT32, FLOAT64 or an integer) as a double.
     *
     * @throws GgufFormatException if the key holds something else
     */
    public OptionalDouble getDouble(String key) {
        GgufKeyValue kv = byKey.get(key);
        if (kv == null) {
            return OptionalDouble.empty();
        }
        return switch (kv.type()) {
            case FLOAT32, FLOAT64 -> OptionalDouble.of(((Number) kv.value()).doubleValue());
            case UINT64 -> OptionalDouble.of(Double.parseDouble(Long.toUnsignedString((Long) kv.value())));
            default -> {
                if (!kv.type().isInteger()) {
                    throw wrongType(kv, "a number");
                }
                yield OptionalDouble.of(((Number) kv.value()).doubleValue());
            }
        };
    }

    /**
     * A bool value.
     *
     * @throws GgufFormatException if the key holds something else
     */
    public Optional<Boolean> getBoolean(String key) {
        GgufKeyValue kv = byKey.get(key);
        if (kv == null) {
            return Optional.empty();
        }
        if (kv.type() != GgufValueType.BOOL) {
            throw wrongType(kv, "a BOOL");
        }
        return Optional.of((Boolean) kv.value());
    }

    /**
     * An array of strings (unmodifiable).
     *
     * @throws GgufFormatException if the key holds something else
     */
    @SuppressWarnings("unchecked")
    public Optional<List<String>> getStringArray(String key) {
        GgufKeyValue kv = byKey.get(key);
        if (kv == null) {
            return Optional.empty();
        }
        if (kv.elementType() != GgufValueType.STRING) {
            throw wrongType(kv, "an array of STRING");
        }
        return Optional.of((List<String>) kv.value());
    }

    /**
     * An array of FLOAT32 values (a copy).
     *
     * @throws GgufFormatException if the key holds something else
     */
    public Optional<float[]> getFloatArray(String key) {
        GgufKeyValue kv = byKey.get(key);
        if (kv == null) {
            return Optional.empty();
        }
        if (kv.elementType() != GgufValueType.FLOAT32) {
            throw wrongType(kv, "an array of FLOAT32");
        }
        return Optional.of(((float[]) kv.value()).clone());
    }

    /**
     * An array of integers of at most 32 bits, widened to int (a copy; unsigned elements stay
     * non-negative except UINT32 above {@code Integer.MAX_VALUE}, which keep their raw bits).
     *
     * @throws GgufFormatException if the key holds something else
     */
    public Optional<int[]> getIntArray(String key) {
        GgufKeyValue kv = byKey.get(key);
        if (kv == null) {
            return Optional.empty();
        }
        GgufValueType element = kv.elementType();
        if (element == null) {
            throw wrongType(kv, "an array of integers");
        }
        int[] result = switch (element) {
            case INT32, UINT32 -> ((int[]) kv.value()).clone();
            case INT16, UINT16 -> {
                short[] a = (short[]) kv.value();
                int[] r = new int[a.length];
                for (int i = 0; i < a.length; i++) {
                    r[i] = element == GgufValueType.INT16 ? a[i] : a[i] & 0xFFFF;
                }
                yield r;
            }
            case INT8, UINT8 -> {
                byte[] a = (byte[]) kv.value();
                int[] r = new int[a.length];
                for (int i = 0; i < a.length; i++) {
                    r[i] = element == GgufValueType.INT8 ? a[i] : a[i] & 0xFF;
                }
                yield r;
            }
            default -> throw wrongType(kv, "an array of integers of at most 32 bits");
        };
        return Optional.of(result);
    }

    private static GgufFormatException wrongType(GgufKeyValue kv, String expected) {
        String actual = kv.type() == GgufValueType.ARRAY ? "an array of " + kv.elementType() : "a " + kv.type();
        return new GgufFormatException("metadata '" + kv.key() + "' is " + actual + ", not " + expected);
    }

    /** All tensor descriptions, in file order. */
    public List<GgufTensor> tensors() {
        return tensors;
    }

    /** The tensor of that name. */
    public Optional<GgufTensor> tensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    /**
     * Reads a tensor's elements as floats, in storage order (innermost dimension fastest).
     * Supports F32, F16, BF16, Q8_0 and Q4_0.
     *
     * @throws IllegalArgumentException if the tensor is not one of this file's, or has more than
     *                                  {@code Integer.MAX_VALUE - 8} elements
     * @throws UnsupportedOperationException for other tensor types
     * @throws GgufFormatException if the file was shortened since it was opened
     * @throws UncheckedIOException if it cannot be read
     */
    public float[] readF32(GgufTensor tensor) {
        checkOwn(tensor);
        long count = tensor.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + tensor.name() + "' has " + count
                    + " elements, too many for one float[]");
        }
        GgmlType type = tensor.type();
        if (type != GgmlType.F32 && type != GgmlType.F16 && type != GgmlType.BF16 && type != GgmlType.Q8_0
                && type != GgmlType.Q4_0) {
            throw new UnsupportedOperationException("cannot read tensor '" + tensor.name() + "' of type " + type
                    + " as floats (supported: F32, F16, BF16, Q8_0, Q4_0)");
        }
        float[] out = new float[(int) count];
        if (count == 0) {
            return out;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = map(tensor, arena);
            switch (type) {
                case F32 -> MemorySegment.copy(data, F32_LE, 0, out, 0, out.length);
                case F16 -> {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = Float.float16ToFloat(data.get(I16_LE, 2L * i));
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = Float.intBitsToFloat(data.get(I16_LE, 2L * i) << 16);
                    }
                }
                case Q8_0 -> {
                    // block: f16 scale, then 32 signed bytes
                    for (int block = 0, n = out.length / 32; block < n; block++) {
                        long base = 34L * block;
                        float scale = Float.float16ToFloat(data.get(I16_LE, base));
                        for (int j = 0; j < 32; j++) {
                            out[32 * block + j] = scale * data.get(ValueLayout.JAVA_BYTE, base + 2 + j);
                        }
                    }
                }
                case Q4_0 -> {
                    // block: f16 scale, then 16 bytes; low nibbles are elements 0..15, high nibbles 16..31
                    for (int block = 0, n = out.length / 32; block < n; block++) {
                        long base = 18L * block;
                        float scale = Float.float16ToFloat(data.get(I16_LE, base));
                        for (int j = 0; j < 16; j++) {
                            int q = data.get(ValueLayout.JAVA_BYTE, base + 2 + j) & 0xFF;
                            out[32 * block + j] = scale * ((q & 0x0F) - 8);
                            out[32 * block + 16 + j] = scale * ((q >>> 4) - 8);
                        }
                    }
                }
                default -> throw new AssertionError(type);
            }
        }
        return out;
    }

    /**
     * Reads a tensor's raw bytes as stored in the file.
     *
     * @throws IllegalArgumentException if the tensor is not one of this file's, or is larger than
     *                                  {@code Integer.MAX_VALUE - 8} bytes
     * @throws GgufFormatException if the file was shortened since it was opened
     * @throws UncheckedIOException if it cannot be read
     */
    public byte[] readBytes(GgufTensor tensor) {
        checkOwn(tensor);
        if (tensor.byteSize() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + tensor.name() + "' has " + tensor.byteSize()
                    + " bytes, too many for one byte[]");
        }
        byte[] out = new byte[(int) tensor.byteSize()];
        if (out.length == 0) {
            return out;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment.copy(map(tensor, arena), ValueLayout.JAVA_BYTE, 0, out, 0, out.length);
        }
        return out;
    }

    private void checkOwn(GgufTensor tensor) {
        if (!tensor.equals(tensorsByName.get(tensor.name()))) {
            throw new IllegalArgumentException("tensor " + tensor + " is not a tensor of " + path);
        }
    }

    private MemorySegment map(GgufTensor tensor, Arena arena) {
        long start = dataStart + tensor.offset();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            // mapping past the end of a file that shrank would fault on access: check first
            if (channel.size() < start + tensor.byteSize()) {
                throw new GgufFormatException("truncated GGUF: " + path + " is now " + channel.size()
                        + " bytes, shorter than the data of tensor '" + tensor.name() + "'");
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, start, tensor.byteSize(), arena);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor '" + tensor.name() + "' from " + path + ": " + e, e);
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version + ", " + keyValues.size() + " metadata entries, " + tensors.size()
                + " tensors]";
    }
}
