package dev.jvmllm.http.internal;

import com.sun.net.httpserver.HttpExchange;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationListener;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.Scheduler;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Runs one generation for one HTTP exchange, on the exchange's (virtual) thread. Submitting
 * throws the scheduler's refusal (queue full, closed, invalid prompt) before any status is sent,
 * so it becomes an ordinary error answer. Non-streaming, the thread then blocks on the result
 * future. Streaming, the scheduler's listener only appends events to a queue of this request: the
 * engine thread never touches the socket, and this thread writes each event and flushes whenever
 * it has caught up, so a token costs one small write and a flush, and a slow client only delays
 * itself. A failed write means the client went away: the generation is cancelled, freeing its
 * sequence within one engine step.
 */
final class Generations {
    private final Scheduler scheduler;
    private final InFlight inFlight;

    Generations(Scheduler scheduler, InFlight inFlight) {
        this.scheduler = scheduler;
        this.inFlight = inFlight;
    }

    void respond(HttpExchange exchange, GenerationRequest request, ResponseFormat format, boolean stream)
            throws IOException {
        if (stream) {
            stream(exchange, request, format);
        } else {
            complete(exchange, request, format);
        }
    }

    private void complete(HttpExchange exchange, GenerationRequest request, ResponseFormat format) throws IOException {
        GenerationHandle handle = scheduler.submit(request);
        GenerationResult result;
        try (InFlight.Tracked _ = inFlight.track(handle)) {
            result = handle.result().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof LlmException failure ? ApiError.from(failure)
                    : ApiError.internal("the generation failed: " + e.getCause());
        }
        Responses.json(exchange, 200, json -> format.writeResult(json, result));
    }

    private void stream(HttpExchange exchange, GenerationRequest request, ResponseFormat format) throws IOException {
        EventQueue events = new EventQueue();
        GenerationHandle handle = scheduler.submit(request, events);
        try (InFlight.Tracked _ = inFlight.track(handle)) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0); // chunked: one chunk per flush
            SseWriter sse = new SseWriter(exchange.getResponseBody());
            format.writeStreamStart(sse);
            sse.flush();
            writeEvents(events, sse, format);
        } catch (IOException | RuntimeException e) {
            handle.cancel(); // the client is gone (or writing failed): stop generating for nobody
            throw e;
        }
    }

    private static void writeEvents(EventQueue events, SseWriter sse, ResponseFormat format) throws IOException {
        int streamedChars = 0;
        GenerationEvent event = events.take();
        while (true) {
            switch (event) {
                case GenerationEvent.Token token -> {
                    format.writeStreamToken(sse, token);
                    streamedChars += token.text().length();
                }
                case GenerationEvent.Finished finished -> {
                    String text = finished.result().text();
                    format.writeStreamEnd(sse, finished.result(),
                            streamedChars < text.length() ? text.substring(streamedChars) : "");
                    sse.done();
                    sse.flush();
                    return;
                }
                case GenerationEvent.Failed failed -> {
                    sse.error(ApiError.from(failed.error()));
                    sse.done();
                    sse.flush();
                    return;
                }
            }
            event = events.poll();
            if (event == null) { // caught up with the engine: send what we have, then wait
                sse.flush();
                event = events.take();
            }
        }
    }

    /** The hand-off from the engine thread: appending never blocks it. */
    private static final class EventQueue implements GenerationListener {
        private final LinkedBlockingQueue<GenerationEvent> queue = new LinkedBlockingQueue<>();

        @Override
        public void onEvent(GenerationEvent event) {
            queue.add(event);
        }

        GenerationEvent poll() {
            return queue.poll();
        }

        GenerationEvent take() throws InterruptedIOException {
            try {
                return queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the next token");
            }
        }
    }
}
