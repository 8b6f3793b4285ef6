package dev.jvmllm.api;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of token pieces into text without ever splitting a character: bytes of an
 * incomplete UTF-8 sequence are kept until the piece that completes them arrives. Invalid bytes
 * become U+FFFD. One decoder per stream; not thread-safe.
 */
public final class Utf8StreamDecoder {
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(64);
    private CharBuffer chars = CharBuffer.allocate(64);

    /** Adds a piece; returns the text that is now complete (possibly empty). */
    public String decode(byte[] piece) {
        if (piece.length == 0) {
            return "";
        }
        if (pending.remaining() < piece.length) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + piece.length));
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
        pending.put(piece);
        pending.flip();
        if (chars.capacity() < pending.remaining()) {
            chars = CharBuffer.allocate(pending.remaining());
        }
        chars.clear();
        decoder.decode(pending, chars, false);
        pending.compact();
        chars.flip();
        return chars.toString();
    }

    /** Ends the stream: bytes still pending are an incomplete character and come out as U+FFFD. */
    public String flush() {
        pending.flip();
        chars.clear();
        if (chars.capacity() < pending.remaining() + 1) {
            chars = CharBuffer.allocate(pending.remaining() + 1);
        }
        decoder.decode(pending, chars, true);
        decoder.flush(chars);
        decoder.reset();
        pending.clear();
        chars.flip();
        return chars.toString();
    }
}
