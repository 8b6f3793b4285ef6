package dev.jvmllm.http.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes Server-Sent Events whose data is one JSON object each: {@code data: {...}\n\n}. One
 * generator per stream writes every event into its buffer, so an event costs no allocation
 * beyond its strings; {@link #flush()} hands everything written so far to the socket as one
 * chunk, and {@link #finish()} leaves the last events for the closing of the body, which sends
 * them and the end of the chunked body in one write.
 */
final class SseWriter {
    private static final SerializableString DATA = new SerializedString("data: ");
    private static final SerializableString END = new SerializedString("\n\n");
    private static final SerializableString DONE = new SerializedString("data: [DONE]\n\n");

    private final OutputStream out;
    private final JsonGenerator json;

    SseWriter(OutputStream out) throws IOException {
        this.out = out;
        json = Json.FACTORY.createGenerator(out);
        // consecutive events are root-level values; Jackson would put a space between them
        json.setRootValueSeparator(null);
        // a flush of the generator only moves bytes into the body; this writer decides when they go out
        json.disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);
    }

    /** Starts an event; write one JSON value with the returned generator, then call {@link #end()}. */
    JsonGenerator begin() throws IOException {
        json.writeRaw(DATA);
        return json;
    }

    void end() throws IOException {
        json.writeRaw(END);
    }

    /** An error event in the OpenAI shape, for a failure after the 200 status went out. */
    void error(ApiError error) throws IOException {
        Responses.writeError(begin(), error);
        end();
    }

    /** The OpenAI end-of-stream marker {@code data: [DONE]}. */
    void done() throws IOException {
        json.writeRaw(DONE);
    }

    /** Sends what was written: one chunk, one socket write. */
    void flush() throws IOException {
        json.flush();
        out.flush();
    }

    /**
     * Hands the last events to the body without sending them: closing the body sends them with
     * the end of the chunked body, so that a client does not wake up once for the last events
     * and again for the end.
     */
    void finish() throws IOException {
        json.flush();
    }
}
