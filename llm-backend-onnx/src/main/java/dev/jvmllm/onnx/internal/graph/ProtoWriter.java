package dev.jvmllm.onnx.internal.graph;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few protocol-buffer encodings an ONNX file needs (varints, 32-bit floats, length-delimited
 * bytes, strings, nested messages, packed int64s). Writing them by hand keeps the backend free of
 * protobuf-java and of generated ONNX classes for the one message tree it ever writes.
 */
final class ProtoWriter {
    private static final int VARINT = 0;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private final Buffer out = new Buffer();

    ProtoWriter varint(int field, long value) {
        tag(field, VARINT);
        rawVarint(value);
        return this;
    }

    ProtoWriter float32(int field, float value) {
        tag(field, FIXED32);
        int bits = Float.floatToRawIntBits(value);
        for (int shift = 0; shift < 32; shift += 8) {
            out.write(bits >>> shift);
        }
        return this;
    }

    ProtoWriter bytes(int field, byte[] value) {
        tag(field, LENGTH_DELIMITED);
        rawVarint(value.length);
        out.writeBytes(value);
        return this;
    }

    ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter message(int field, ProtoWriter message) {
        tag(field, LENGTH_DELIMITED);
        rawVarint(message.out.size());
        message.out.appendTo(out);
        return this;
    }

    /** A repeated int64 field in packed form (what proto3 writers emit, and every ONNX reader accepts). */
    ProtoWriter packedVarints(int field, long[] values) {
        ProtoWriter packed = new ProtoWriter();
        for (long value : values) {
            packed.rawVarint(value);
        }
        tag(field, LENGTH_DELIMITED);
        rawVarint(packed.out.size());
        packed.out.appendTo(out);
        return this;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    /** A byte buffer that appends itself to another without the copy {@code toByteArray()} makes. */
    private static final class Buffer extends ByteArrayOutputStream {
        void appendTo(ByteArrayOutputStream target) {
            target.write(buf, 0, count);
        }
    }

    private void tag(int field, int wireType) {
        rawVarint(((long) field << 3) | wireType);
    }

    private void rawVarint(long value) {
        // negative int64 values take the full ten bytes, as the protobuf spec requires
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }
}
