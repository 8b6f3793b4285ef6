package dev.jvmllm.http;

import dev.jvmllm.api.FinishReason;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coalescing changes when streamed tokens are written, never what is written: each token is its
 * own event, in order, and a token after which the engine goes quiet still arrives.
 */
@Timeout(60) // a safety net against a hang, not a measurement
class StreamCoalescingTest {

    @ParameterizedTest(name = "coalescing {0} ms")
    @ValueSource(ints = {0, 2, 100})
    void everyTokenArrivesAsItsOwnEventAndNoneIsHeldBack(int millis) throws Exception {
        try (FakeServer fake = new FakeServer(builder -> builder.streamCoalescing(Duration.ofMillis(millis)));
             Socket socket = new Socket("127.0.0.1", fake.server.port())) {
            fake.scheduler.manual = true;
            String body = "{\"prompt\":\"Hi\",\"stream\":true,\"max_tokens\":100}";
            socket.getOutputStream().write(("POST /generate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            FakeScheduler.Generation generation = fake.scheduler.next();

            generation.token("Once");
            assertThat(nextEvent(in)).isEqualTo("data: {\"index\":0,\"token\":100,\"text\":\"Once\"}");
            // a burst, then silence: the held tokens must still come, one event each
            generation.token(" upon");
            generation.token(" a");
            generation.token(" time");
            assertThat(nextEvent(in)).isEqualTo("data: {\"index\":1,\"token\":101,\"text\":\" upon\"}");
            assertThat(nextEvent(in)).isEqualTo("data: {\"index\":2,\"token\":102,\"text\":\" a\"}");
            assertThat(nextEvent(in)).isEqualTo("data: {\"index\":3,\"token\":103,\"text\":\" time\"}");
            generation.finish(FinishReason.STOP);
            assertThat(nextEvent(in)).startsWith("data: {\"id\":\"gen-").contains("\"finish_reason\":\"stop\"");
            assertThat(nextEvent(in)).isEqualTo("data: [DONE]");
        }
    }

    private static String nextEvent(BufferedReader in) throws Exception {
        String line;
        do {
            line = in.readLine();
        } while (line != null && !line.startsWith("data: "));
        return line;
    }
}
