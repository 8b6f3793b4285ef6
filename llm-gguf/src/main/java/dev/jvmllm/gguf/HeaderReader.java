package dev.jvmllm.gguf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/**
 * Sequential little-endian reads from a file channel through a small buffer, each checked
 * against the file size first, so a truncated or corrupt file fails with a
 * {@link GgufFormatException} instead of an {@code OutOfMemoryError} or a bogus value.
 */
final class HeaderReader {
    private static final int BUFFER_BYTES = 64 * 1024;

    private final FileChannel channel;
    private final long fileSize;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    /** File offset of {@code buffer}'s first byte. */
    private long bufferStart;
    private String context = "the header";

    HeaderReader(FileChannel channel, long fileSize) {
        this.channel = channel;
        this.fileSize = fileSize;
        buffer.limit(0);
    }

    /** Names what is being read, for error messages. */
    void context(String what) {
        context = what;
    }

    long position() {
        return bufferStart + buffer.position();
    }

    long remaining() {
        return fileSize - position();
    }

    /** Fails unless {@code bytes} more bytes exist in the file. */
    void require(long bytes, String what) {
        if (bytes < 0 || bytes > remaining()) {
            throw truncated(what + " needs " + Long.toUnsignedString(bytes) + " bytes");
        }
    }

    GgufFormatException truncated(String detail) {
        return new GgufFormatException("truncated GGUF: " + detail + " at offset " + position() + " while reading "
                + context + ", but the file ends at " + fileSize);
    }

    /** Makes at least {@code n} (at most the buffer size) bytes available in the buffer. */
    private void fill(int n) {
        if (buffer.remaining() >= n) {
            return;
        }
        require(n, "a " + n + "-byte value");
        bufferStart += buffer.position();
        buffer.compact();
        try {
            while (buffer.position() < n) {
                if (channel.read(buffer, bufferStart + buffer.position()) < 0) {
                    throw truncated("the file changed while reading; a " + n + "-byte value");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        buffer.flip();
    }

    int u8() {
        fill(1);
        return buffer.get() & 0xFF;
    }

    byte i8() {
        fill(1);
        return buffer.get();
    }

    short i16() {
        fill(2);
        return buffer.getShort();
    }

    int i32() {
        fill(4);
        return buffer.getInt();
    }

    long u32() {
        return i32() & 0xFFFF_FFFFL;
    }

    long i64() {
        fill(8);
        return buffer.getLong();
    }

    float f32() {
        fill(4);
        return buffer.getFloat();
    }

    double f64() {
        fill(8);
        return buffer.getDouble();
    }

    boolean bool() {
        int value = u8();
        if (value > 1) {
            throw new GgufFormatException("corrupt GGUF: a bool holds " + value + " at offset " + (position() - 1)
                    + " while reading " + context);
        }
        return value == 1;
    }

    /** A count (uint64) that must fit an array with elements of at least {@code minBytes} bytes each. */
    int count(String what, int minBytes) {
        long count = i64();
        if (count < 0 || count > (long) Integer.MAX_VALUE - 8) {
            throw new GgufFormatException("corrupt GGUF: " + what + " " + Long.toUnsignedString(count)
                    + " is too large, at offset " + (position() - 8) + " while reading " + context);
        }
        require(count * minBytes, what + " " + count);
        return (int) count;
    }

    String string() {
        int length = count("string length", 1);
        byte[] bytes = new byte[length];
        int done = 0;
        while (done < length) {
            fill(Math.min(BUFFER_BYTES, length - done));
            int n = Math.min(buffer.remaining(), length - done);
            buffer.get(bytes, done, n);
            done += n;
        }
        // lenient on purpose: llama.cpp accepts any bytes here, so a stray invalid byte in some
        // vocabulary entry must not make the header check reject a file that loads
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Skips to the next multiple of {@code alignment}. */
    long align(long offset, long alignment) {
        long rest = offset % alignment;
        return rest == 0 ? offset : offset + alignment - rest;
    }
}
