package dev.jvmllm.gguf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF version 3 file: metadata of any type, and tensors of type F32 or F16 (from
 * floats) or any type (from raw bytes). Collect everything, then {@link #write} it once; the
 * file appears atomically (written beside the target, then moved over it).
 *
 * <pre>{@code
 * new GgufWriter()
 *         .putString("general.architecture", "llama")
 *         .putUInt32("llama.context_length", 256)
 *         .addTensor("output_norm.weight", new long[] {64}, norm)
 *         .write(Path.of("model.gguf"));
 * }</pre>
 *
 * <p>Metadata keys keep the order of their first {@code put}; putting a key again replaces its
 * value. Tensors keep the order they were added in. Not thread-safe.
 */
public final class GgufWriter {
    private final Map<String, GgufKeyValue> metadata = new LinkedHashMap<>();
    private final Map<String, PendingTensor> tensors = new LinkedHashMap<>();

    private record PendingTensor(String name, long[] dimensions, GgmlType type, float[] floats, byte[] raw) {
    }

    /** An empty file: no metadata, no tensors. */
    public GgufWriter() {
    }

    /**
     * Adds a metadata entry whose value has the Java type that {@link GgufValueType} documents
     * for its type (so the entries of a {@link GgufFile} can be copied as they are).
     *
     * @throws IllegalArgumentException if the value does not match the type
     */
    public GgufWriter put(GgufKeyValue entry) {
        checkValue(entry);
        if (entry.key().equals(GgufFile.ALIGNMENT_KEY)) {
            long alignment = entry.type() == GgufValueType.UINT32 ? (Long) entry.value() : 0;
            if (alignment == 0 || Long.bitCount(alignment) != 1 || alignment > (1 << 30)) {
                throw new IllegalArgumentException(GgufFile.ALIGNMENT_KEY + " must be a UINT32 power of two");
            }
        }
        metadata.put(entry.key(), entry);
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(new GgufKeyValue(key, GgufValueType.STRING, null, value));
    }

    /** @param value 0 .. 2<sup>32</sup>-1 */
    public GgufWriter putUInt32(String key, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(key + ": " + value + " is outside the UINT32 range");
        }
        return put(new GgufKeyValue(key, GgufValueType.UINT32, null, value));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(new GgufKeyValue(key, GgufValueType.INT32, null, value));
    }

    public GgufWriter putUInt64(String key, long value) {
        return put(new GgufKeyValue(key, GgufValueType.UINT64, null, value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(new GgufKeyValue(key, GgufValueType.FLOAT32, null, value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(new GgufKeyValue(key, GgufValueType.BOOL, null, value));
    }

    public GgufWriter putStringArray(String key, List<String> values) {
        return put(new GgufKeyValue(key, GgufValueType.ARRAY, GgufValueType.STRING, List.copyOf(values)));
    }

    public GgufWriter putFloat32Array(String key, float[] values) {
        return put(new GgufKeyValue(key, GgufValueType.ARRAY, GgufValueType.FLOAT32, values.clone()));
    }

    public GgufWriter putInt32Array(String key, int[] values) {
        return put(new GgufKeyValue(key, GgufValueType.ARRAY, GgufValueType.INT32, values.clone()));
    }

    /** Adds an F32 tensor. */
    public GgufWriter addTensor(String name, long[] dimensions, float[] data) {
        return addTensor(name, dimensions, data, GgmlType.F32);
    }

    /**
     * Adds a tensor from floats, stored as F32 or F16.
     *
     * @param dimensions innermost first, as ggml lists them; their product must be {@code data.length}
     */
    public GgufWriter addTensor(String name, long[] dimensions, float[] data, GgmlType type) {
        if (type != GgmlType.F32 && type != GgmlType.F16) {
            throw new IllegalArgumentException("tensors from floats are F32 or F16, not " + type);
        }
        checkTensor(name, dimensions, type, data.length);
        tensors.put(name, new PendingTensor(name, dimensions.clone(), type, data.clone(), null));
        return this;
    }

    /**
     * Adds a tensor of any type from its bytes as ggml stores them (for copying tensors from
     * another {@link GgufFile} with {@link GgufFile#readBytes}).
     */
    public GgufWriter addRawTensor(String name, long[] dimensions, GgmlType type, byte[] data) {
        long elements = checkTensor(name, dimensions, type, -1);
        if (type.bytesFor(elements) != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "' of type " + type + " needs "
                    + type.bytesFor(elements) + " bytes, got " + data.length);
        }
        tensors.put(name, new PendingTensor(name, dimensions.clone(), type, null, data.clone()));
        return this;
    }

    private long checkTensor(String name, long[] dimensions, GgmlType type, int floats) {
        Objects.requireNonNull(name, "name");
        if (name.getBytes(StandardCharsets.UTF_8).length > GgufFile.MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' is longer than "
                    + GgufFile.MAX_TENSOR_NAME_BYTES + " bytes");
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already added");
        }
        if (dimensions.length < 1 || dimensions.length > GgufFile.MAX_DIMENSIONS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + dimensions.length + " dimensions (1.."
                    + GgufFile.MAX_DIMENSIONS + " allowed)");
        }
        long elements = 1;
        for (long d : dimensions) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension");
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (dimensions[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': rows of " + dimensions[0]
                    + " elements are not a multiple of the " + type + " block size " + type.blockSize());
        }
        if (floats >= 0 && elements != floats) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + elements + " elements by its dimensions but "
                    + floats + " values");
        }
        return elements;
    }

    /**
     * Writes the file, replacing any file at that path.
     *
     * @return {@code path}
     * @throws UncheckedIOException if it cannot be written
     */
    public Path write(Path path) {
        Path absolute = path.toAbsolutePath();
        Path temp = absolute.resolveSibling(absolute.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                writeTo(out);
            }
            Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e, e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: the temp file only remains if the move failed and so did this
            }
        }
    }

    private void writeTo(FileChannel out) throws IOException {
        int alignment = metadata.containsKey(GgufFile.ALIGNMENT_KEY)
                ? (int) (long) (Long) metadata.get(GgufFile.ALIGNMENT_KEY).value()
                : GgufFile.DEFAULT_ALIGNMENT;
        Output header = new Output(out);
        header.i32(GgufFile.MAGIC);
        header.i32(3);
        header.i64(tensors.size());
        header.i64(metadata.size());
        for (GgufKeyValue kv : metadata.values()) {
            header.string(kv.key());
            header.i32(kv.type().id());
            if (kv.type() == GgufValueType.ARRAY) {
                header.i32(kv.elementType().id());
                writeArray(header, kv.elementType(), kv.value());
            } else {
                writeScalar(header, kv.type(), kv.value());
            }
        }
        long offset = 0;
        for (PendingTensor t : tensors.values()) {
            header.string(t.name);
            header.i32(t.dimensions.length);
            for (long d : t.dimensions) {
                header.i64(d);
            }
            header.i32(t.type.id());
            header.i64(offset);
            offset = align(offset + byteSize(t), alignment);
        }
        header.pad(alignment);
        for (PendingTensor t : tensors.values()) {
            if (t.raw != null) {
                header.bytes(t.raw);
            } else if (t.type == GgmlType.F32) {
                for (float f : t.floats) {
                    header.f32(f);
                }
            } else {
                for (float f : t.floats) {
                    header.i16(Float.floatToFloat16(f));
                }
            }
            header.pad(alignment);
        }
        header.flush();
    }

    private static long byteSize(PendingTensor t) {
        return t.raw != null ? t.raw.length : t.type.bytesFor(t.floats.length);
    }

    private static long align(long offset, long alignment) {
        long rest = offset % alignment;
        return rest == 0 ? offset : offset + alignment - rest;
    }

    private static void writeScalar(Output out, GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.i8(((Integer) value).byteValue());
            case UINT16, INT16 -> out.i16(((Integer) value).shortValue());
            case UINT32 -> out.i32((int) (long) (Long) value);
            case INT32 -> out.i32((Integer) value);
            case UINT64, INT64 -> out.i64((Long) value);
            case FLOAT32 -> out.f32((Float) value);
            case FLOAT64 -> out.f64((Double) value);
            case BOOL -> out.i8((byte) ((Boolean) value ? 1 : 0));
            case STRING -> out.string((String) value);
            case ARRAY -> throw new AssertionError("arrays are written by writeArray");
        }
    }

    private static void writeArray(Output out, GgufValueType element, Object value) throws IOException {
        switch (element) {
            case UINT8, INT8 -> {
                byte[] a = (byte[]) value;
                out.i64(a.length);
                out.bytes(a);
            }
            case UINT16, INT16 -> {
                short[] a = (short[]) value;
                out.i64(a.length);
                for (short v : a) {
                    out.i16(v);
                }
            }
            case UINT32, INT32 -> {
                int[] a = (int[]) value;
                out.i64(a.length);
                for (int v : a) {
                    out.i32(v);
                }
            }
            case UINT64, INT64 -> {
                long[] a = (long[]) value;
                out.i64(a.length);
                for (long v : a) {
                    out.i64(v);
                }
            }
            case FLOAT32 -> {
                float[] a = (float[]) value;
                out.i64(a.length);
                for (float v : a) {
                    out.f32(v);
                }
            }
            case FLOAT64 -> {
                double[] a = (double[]) value;
                out.i64(a.length);
                for (double v : a) {
                    out.f64(v);
                }
            }
            case BOOL -> {
                boolean[] a = (boolean[]) value;
                out.i64(a.length);
                for (boolean v : a) {
                    out.i8((byte) (v ? 1 : 0));
                }
            }
            case STRING -> {
                List<?> a = (List<?>) value;
                out.i64(a.size());
                for (Object v : a) {
                    out.string((String) v);
                }
            }
            case ARRAY -> throw new AssertionError("nested arrays are rejected by checkValue");
        }
    }

    private static void checkValue(GgufKeyValue kv) {
        Object v = kv.value();
        boolean ok;
        if (kv.type() == GgufValueType.ARRAY) {
            ok = switch (kv.elementType()) {
                case UINT8, INT8 -> v instanceof byte[];
                case UINT16, INT16 -> v instanceof short[];
                case UINT32, INT32 -> v instanceof int[];
                case UINT64, INT64 -> v instanceof long[];
                case FLOAT32 -> v instanceof float[];
                case FLOAT64 -> v instanceof double[];
                case BOOL -> v instanceof boolean[];
                case STRING -> v instanceof List<?> list && list.stream().allMatch(String.class::isInstance);
                case ARRAY -> false;
            };
        } else {
            ok = switch (kv.type()) {
                case UINT8 -> v instanceof Integer i && i >= 0 && i <= 0xFF;
                case INT8 -> v instanceof Integer i && i == i.byteValue();
                case UINT16 -> v instanceof Integer i && i >= 0 && i <= 0xFFFF;
                case INT16 -> v instanceof Integer i && i == i.shortValue();
                case UINT32 -> v instanceof Long l && l >= 0 && l <= 0xFFFF_FFFFL;
                case INT32 -> v instanceof Integer;
                case UINT64, INT64 -> v instanceof Long;
                case FLOAT32 -> v instanceof Float;
                case FLOAT64 -> v instanceof Double;
                case BOOL -> v instanceof Boolean;
                case STRING -> v instanceof String;
                case ARRAY -> false;
            };
        }
        if (!ok) {
            String type = kv.type() == GgufValueType.ARRAY ? "array of " + kv.elementType() : kv.type().toString();
            throw new IllegalArgumentException("metadata '" + kv.key() + "': a " + v.getClass().getSimpleName()
                    + " is not a valid " + type + " value (see GgufValueType)");
        }
    }

    /** Little-endian writes through a 64 KiB buffer, counting bytes for alignment padding. */
    private static final class Output {
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        private long written;

        Output(FileChannel channel) {
            this.channel = channel;
        }

        private void room(int n) throws IOException {
            if (buffer.remaining() < n) {
                flush();
            }
        }

        void flush() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            buffer.clear();
        }

        void i8(byte v) throws IOException {
            room(1);
            buffer.put(v);
            written += 1;
        }

        void i16(short v) throws IOException {
            room(2);
            buffer.putShort(v);
            written += 2;
        }

        void i32(int v) throws IOException {
            room(4);
            buffer.putInt(v);
            written += 4;
        }

        void i64(long v) throws IOException {
            room(8);
            buffer.putLong(v);
            written += 8;
        }

        void f32(float v) throws IOException {
            room(4);
            buffer.putFloat(v);
            written += 4;
        }

        void f64(double v) throws IOException {
            room(8);
            buffer.putDouble(v);
            written += 8;
        }

        void bytes(byte[] bytes) throws IOException {
            int done = 0;
            while (done < bytes.length) {
                room(1);
                int n = Math.min(buffer.remaining(), bytes.length - done);
                buffer.put(bytes, done, n);
                done += n;
            }
            written += bytes.length;
        }

        void string(String s) throws IOException {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            i64(bytes.length);
            bytes(bytes);
        }

        void pad(int alignment) throws IOException {
            while (written % alignment != 0) {
                i8((byte) 0);
            }
        }
    }
}
