package dev.jvmllm.http.internal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class SseWriterTest {

    /** A response body that counts how often it was told to send what it holds. */
    private static final class Body extends ByteArrayOutputStream {
        int flushes;

        @Override
        public void flush() {
            flushes++;
        }

        String text() {
            return toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void flushSendsTheEventsAndFinishLeavesTheLastOnesForTheClosingOfTheBody() throws Exception {
        Body body = new Body();
        SseWriter sse = new SseWriter(body);

        sse.begin().writeString("once");
        sse.end();
        assertThat(body.text()).as("nothing leaves before a flush").isEmpty();
        sse.flush();
        assertThat(body.text()).isEqualTo("data: \"once\"\n\n");
        assertThat(body.flushes).isEqualTo(1);

        sse.begin().writeString("upon");
        sse.end();
        sse.done();
        sse.finish();
        assertThat(body.text()).isEqualTo("data: \"once\"\n\ndata: \"upon\"\n\ndata: [DONE]\n\n");
        assertThat(body.flushes).as("the body, closed next, sends the rest with its end").isEqualTo(1);
    }
}
