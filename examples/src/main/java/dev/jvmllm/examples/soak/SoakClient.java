package dev.jvmllm.examples.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * One client of the soak: a kept connection (a fresh one after a hang-up, an error or a
 * {@code Connection: close}) on which it sends requests one at a time and judges each answer.
 */
final class SoakClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DONE = "data: [DONE]\n\n";

    private final int port;
    private final int timeoutMillis;
    private final Tally tally;
    private HttpConnection connection;

    /** @param timeoutMillis how long any one read may wait before the request counts as hung */
    SoakClient(int port, int timeoutMillis, Tally tally) {
        this.port = port;
        this.timeoutMillis = timeoutMillis;
        this.tally = tally;
    }

    /** Opens the connection now, if none is open: a burst connects first and then sends all at once. */
    void connect() throws IOException {
        if (connection == null || !connection.isOpen()) {
            connection = new HttpConnection(port, timeoutMillis);
        }
    }

    /** Sends the request, judges what came back and counts it. */
    Outcome run(SoakRequest request) {
        Outcome outcome = perform(request);
        tally.count(outcome);
        return outcome;
    }

    private Outcome perform(SoakRequest request) {
        try {
            connect();
            boolean reused = connection.reused();
            try {
                connection.send(request.method(), request.path(), request.body());
            } catch (IOException e) {
                if (!reused) {
                    throw e;
                }
                tally.staleRetry(); // closed while idle, and the client already knows: as below
                drop();
                connect();
                reused = false;
                connection.send(request.method(), request.path(), request.body());
            }
            if (request.hangUp() instanceof SoakRequest.HangUp.AfterMillis(int millis)) {
                Thread.sleep(millis);
                drop();
                return Outcome.CANCELLED;
            }
            HttpConnection.Head head;
            try {
                head = connection.readHead();
            } catch (HttpConnection.NoAnswerException e) {
                if (!reused) {
                    throw e;
                }
                // the kept connection was closed while idle, before any byte of an answer: the server cannot
                // have taken the request, so it goes once more on a fresh connection, as HTTP clients do
                tally.staleRetry();
                drop();
                connect();
                connection.send(request.method(), request.path(), request.body());
                head = connection.readHead();
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream(1024);
            int hangUpAfter = head.status() == 200 && request.hangUp() instanceof SoakRequest.HangUp.AfterEvents(
                    int after) ? after : Integer.MAX_VALUE;
            int[] events = {0};
            boolean whole = connection.readBody(head, piece -> {
                body.write(piece);
                events[0] += count(piece, "data: ");
                return events[0] < hangUpAfter;
            });
            String text = body.toString(StandardCharsets.UTF_8);
            if (!whole) {
                if (text.endsWith(DONE)) { // the last piece ended the stream: nothing was left to hang up on
                    drop();
                    return judge(request, head, text);
                }
                drop();
                return Outcome.CANCELLED;
            }
            if (!connection.isOpen()) {
                drop();
            }
            return judge(request, head, text);
        } catch (SocketTimeoutException e) {
            drop();
            return new Outcome.Lost("hung: no answer within " + timeoutMillis + " ms", request.name() + ": " + e);
        } catch (IOException e) {
            drop();
            return new Outcome.Lost("I/O error", request.name() + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drop();
            return new Outcome.Lost("interrupted", request.name());
        }
    }

    private static Outcome judge(SoakRequest request, HttpConnection.Head head, String body) {
        int status = head.status();
        String detail = request.name() + " " + request.path() + ": " + status + " " + abbreviate(body);
        return switch (request.expect()) {
            case SoakRequest.Expect.Error(int expected) -> status == expected && isError(body)
                    ? new Outcome.Refused(status)
                    : new Outcome.Lost("bad request answered " + status + " (expected " + expected + ")", detail);
            case SoakRequest.Expect.Ready() -> {
                String state = field(body, "status");
                if (status == 200 && "ready".equals(state)) {
                    yield Outcome.SUCCEEDED;
                }
                yield status == 503 && "queue_full".equals(state) ? new Outcome.Refused(503)
                        : new Outcome.Lost("/ready answered " + status + " " + state, detail);
            }
            case SoakRequest.Expect.Answer(boolean streaming) -> {
                if (status == 200) {
                    yield (streaming ? wholeStream(body) : wholeAnswer(body)) ? Outcome.SUCCEEDED
                            : new Outcome.Lost("200 with an incomplete answer", detail);
                }
                if (status == 429 || status == 503) {
                    yield head.headers().containsKey("retry-after") && isError(body) ? new Outcome.Refused(status)
                            : new Outcome.Lost(status + " without Retry-After or the error shape", detail);
                }
                yield new Outcome.Lost("unexpected status " + status, detail);
            }
        };
    }

    /** A JSON answer with a finish reason: {@code /generate}'s own, or every choice's. */
    private static boolean wholeAnswer(String body) {
        JsonNode answer = parse(body);
        return answer != null && hasFinishReason(answer);
    }

    /** Events that all parse, none an error, one with a finish reason, and {@code [DONE]} last. */
    private static boolean wholeStream(String body) {
        if (!body.endsWith(DONE)) {
            return false;
        }
        boolean finished = false;
        for (String event : body.substring(0, body.length() - DONE.length()).split("\n\n")) {
            if (event.isBlank()) {
                continue;
            }
            if (!event.startsWith("data: ")) {
                return false;
            }
            JsonNode data = parse(event.substring(6));
            if (data == null || data.has("error")) {
                return false;
            }
            finished |= hasFinishReason(data);
        }
        return finished;
    }

    private static boolean hasFinishReason(JsonNode node) {
        if (node.path("finish_reason").isTextual()) {
            return true;
        }
        for (JsonNode choice : node.path("choices")) {
            if (choice.path("finish_reason").isTextual()) {
                return true;
            }
        }
        return false;
    }

    /** The OpenAI error shape: {@code {"error": {"message", "type", ...}}}. */
    private static boolean isError(String body) {
        JsonNode answer = parse(body);
        return answer != null && answer.path("error").path("message").isTextual()
                && answer.path("error").path("type").isTextual();
    }

    private static String field(String body, String name) {
        JsonNode answer = parse(body);
        return answer == null ? null : answer.path(name).asText(null);
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            return null;
        }
    }

    private static int count(byte[] text, String what) {
        byte[] needle = what.getBytes(StandardCharsets.US_ASCII);
        int found = 0;
        outer:
        for (int i = 0; i + needle.length <= text.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (text[i + j] != needle[j]) {
                    continue outer;
                }
            }
            found++;
        }
        return found;
    }

    private static String abbreviate(String text) {
        String line = text.replace("\n", "\\n");
        return line.length() <= 300 ? line : line.substring(0, 300) + "…";
    }

    private void drop() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    @Override
    public void close() {
        drop();
    }
}
