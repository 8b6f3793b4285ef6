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
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one generation for one HTTP exchange, on the exchange's thread. Submitting throws the
 * scheduler's refusal (queue full, closed, invalid prompt) before any status is sent, so it
 * becomes an ordinary error answer. Non-streaming, the thread then waits on the result future,
 * looking now and then whether the client has closed the connection. Streaming, the scheduler's
 * listener only appends events to a queue of this request: the engine thread never touches the
 * socket, and this thread writes each event and flushes whenever it has caught up, so a token
 * costs at most one small write and a flush, and a slow client only delays itself. How the queue
 * spares the engine a wake-up per token: {@link EventQueue}. Either way, a client that went away
 * (a closed connection, a failed write) cancels its generation, freeing its sequence within one
 * engine step.
 */
final class Generations {
    /** How often a connection waiting for a whole answer looks whether its client has gone. */
    static final int CLIENT_CHECK_MILLIS = 200;

    private final Scheduler scheduler;
    private final InFlight inFlight;
    private final Duration streamCoalescing;

    Generations(Scheduler scheduler, InFlight inFlight, Duration streamCoalescing) {
        this.scheduler = scheduler;
        this.inFlight = inFlight;
        this.streamCoalescing = streamCoalescing;
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
            result = awaitResult(handle, exchange);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof LlmException failure ? ApiError.from(failure)
                    : ApiError.internal("the generation failed: " + e.getCause());
        }
        Responses.json(exchange, 200, json -> format.writeResult(json, result));
    }

    /**
     * Waits for the result, and every {@value #CLIENT_CHECK_MILLIS} ms looks whether the client is
     * still there: one that closed its connection cancels the generation, as a streaming client
     * does when a write to it fails. A request shorter than that never looks.
     */
    private static GenerationResult awaitResult(GenerationHandle handle, HttpExchange exchange)
            throws IOException, ExecutionException {
        while (true) {
            try {
                return handle.result().get(CLIENT_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (exchange instanceof SocketExchange socket && socket.clientClosed(1)) {
                    handle.cancel();
                    throw new IOException("the client closed the connection before its answer was ready");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                handle.cancel();
                throw new InterruptedIOException("interrupted while waiting for the generation");
            }
        }
    }

    private void stream(HttpExchange exchange, GenerationRequest request, ResponseFormat format) throws IOException {
        EventQueue events = new EventQueue(streamCoalescing, Thread.currentThread());
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
                    sse.finish();
                    return;
                }
                case GenerationEvent.Failed failed -> {
                    sse.error(ApiError.from(failed.error()));
                    sse.done();
                    sse.finish();
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

    /**
     * The hand-off from the engine thread, which never blocks and, while tokens come quickly,
     * wakes nobody. Waking a parked thread costs its waker a system call and, on a virtual
     * machine whose idle core has halted, an inter-processor interrupt: measured about 20 µs of
     * the engine's time per token on the 2-core VM of the benchmarks, where stories260K makes a
     * token every 125 µs. So a writer that has caught up with tokens that came at least
     * {@value #TOKENS_PER_NAP} per {@code coalesceNanos} does not park until woken: it naps for
     * {@code coalesceNanos}, and the engine adds tokens without waking it. Otherwise (slower tokens,
     * or a nap that found nothing) it sleeps until the next event wakes it, as a timer wake-up per
     * token would cost more than it saves. An ending event wakes it in any case. Each token is
     * still its own SSE event; tokens that come fast go out together, in one chunk, at most
     * {@code coalesceNanos} later.
     */
    static final class EventQueue implements GenerationListener {
        /** How many tokens a nap must be expected to gather to be worth a timer wake-up. */
        static final int TOKENS_PER_NAP = 4;

        private final ConcurrentLinkedQueue<GenerationEvent> queue = new ConcurrentLinkedQueue<>();
        private final long coalesceNanos;
        private final Thread consumer;
        /** Set while the consumer is parked with no deadline: the next event must wake it. */
        private volatile boolean sleeping;
        // the consumer's own: when its last wait began, and how many events it took since
        private long waitStarted = System.nanoTime();
        private int takenSinceWait;

        /** @param consumer the only thread that calls {@link #poll()} and {@link #take()} */
        EventQueue(Duration coalesce, Thread consumer) {
            this.coalesceNanos = coalesce.toNanos();
            this.consumer = consumer;
        }

        @Override
        public void onEvent(GenerationEvent event) {
            queue.add(event);
            if (sleeping || !(event instanceof GenerationEvent.Token)) {
                LockSupport.unpark(consumer);
            }
        }

        /** The next event if one is queued, else null. */
        GenerationEvent poll() {
            GenerationEvent event = queue.poll();
            if (event != null) {
                takenSinceWait++;
            }
            return event;
        }

        /** The next event: now if one is queued, after a nap if tokens come fast, else whenever it comes. */
        GenerationEvent take() throws InterruptedIOException {
            GenerationEvent event = poll();
            if (event != null) {
                return event;
            }
            long now = System.nanoTime();
            boolean fast = coalesceNanos > 0
                    && (long) takenSinceWait * coalesceNanos >= TOKENS_PER_NAP * (now - waitStarted);
            waitStarted = now;
            takenSinceWait = 0;
            if (fast) {
                LockSupport.parkNanos(this, coalesceNanos);
                event = poll();
                if (event != null) {
                    return event;
                }
            }
            sleeping = true;
            try {
                // the volatile write above comes before this poll, and the engine adds before it reads
                // the flag: an event added after this poll finds the flag set and unparks us
                while ((event = poll()) == null) {
                    if (Thread.interrupted()) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for the next token");
                    }
                    LockSupport.park(this);
                }
                return event;
            } finally {
                sleeping = false;
            }
        }
    }
}
