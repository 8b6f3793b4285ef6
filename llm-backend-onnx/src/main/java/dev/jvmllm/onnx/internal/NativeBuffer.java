package dev.jvmllm.onnx.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/**
 * Off-heap memory that ONNX Runtime reads inputs from and writes outputs into without a copy. It
 * grows (by half again, at least to what is asked) and never shrinks, so a generation loop settles
 * on its largest shape and allocates nothing more. Memory is released at {@link #close()}, or when
 * it is replaced by a larger block, not whenever the garbage collector gets to it.
 */
final class NativeBuffer implements AutoCloseable {
    private Arena arena;
    private MemorySegment segment = MemorySegment.NULL;

    /** Makes room for {@code bytes}; the contents are lost when it grows. */
    void ensure(long bytes) {
        if (segment.byteSize() >= bytes) {
            return;
        }
        long size = Math.max(Math.max(bytes, 64), segment.byteSize() + segment.byteSize() / 2);
        close();
        arena = Arena.ofShared(); // a processor may be created on one thread and driven from another
        segment = arena.allocate(size, 64);
    }

    /** The first {@code count} floats, in native order, as ONNX Runtime wants them. */
    FloatBuffer floats(long count) {
        ensure(count * Float.BYTES);
        return segment.asSlice(0, count * Float.BYTES).asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** The first {@code count} longs, in native order. */
    LongBuffer longs(long count) {
        ensure(count * Long.BYTES);
        return segment.asSlice(0, count * Long.BYTES).asByteBuffer().order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
            segment = MemorySegment.NULL;
        }
    }
}
