package dev.jvmllm.http.internal;

import com.sun.net.httpserver.HttpExchange;
import dev.jvmllm.api.FinishReason;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
 * engine step. A generation that the server's shutdown cancelled when its grace ran out answers
 * with a shutdown error instead: 503 {@code shutting_down}, or, once a stream has begun, a last
 * error event of that code before {@code [DONE]}.
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

    /** Runs {@code choices} generations of the request (the first alone unless a request asks for more) and answers. */
    void respond(HttpExchange exchange, GenerationRequest request, int choices, ResponseFormat format, boolean stream)
            throws IOException {
        if (stream) {
            stream(exchange, request, choices, format);
        } else {
            complete(exchange, request, choices, format);
        }
    }

    private void complete(HttpExchange exchange, GenerationRequest request, int choices, ResponseFormat format)
            throws IOException {
        List<GenerationHandle> handles = scheduler.submitChoices(request, Collections.nCopies(choices, GenerationListener.NONE));
        List<GenerationResult> results = new ArrayList<>(choices);
        try (InFlight.Tracked tracked = inFlight.track(handles)) {
            for (GenerationHandle handle : handles) {
                results.add(awaitResult(handle, exchange));
            }
            if (cutByShutdown(tracked, results)) {
                throw ApiError.cutByShutdown();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof LlmException failure ? ApiError.from(failure)
                    : ApiError.internal("the generation failed: " + e.getCause());
        } finally {
            cancelUnfinished(handles); // after a failure or a client gone: the other choices are for nobody
        }
        Responses.json(exchange, 200, json -> format.writeResult(json, results));
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
                if (exchange instanceof HelidonExchange helidon && helidon.clientClosed()) {
                    throw new IOException("the client closed the connection before its answer was ready");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the generation");
            }
        }
    }

    /** Whether a result ended cancelled because the server's shutdown cancelled the request's generations. */
    private static boolean cutByShutdown(InFlight.Tracked tracked, List<GenerationResult> results) {
        return tracked.cancelledByShutdown()
                && results.stream().anyMatch(result -> result.finishReason() == FinishReason.CANCELLED);
    }

    private static void cancelUnfinished(List<GenerationHandle> handles) {
        for (GenerationHandle handle : handles) {
            if (!handle.result().isDone()) {
                handle.cancel();
            }
        }
    }

    private void stream(HttpExchange exchange, GenerationRequest request, int choices, ResponseFormat format)
            throws IOException {
        EventQueue events = new EventQueue(streamCoalescing, Thread.currentThread());
        List<GenerationHandle> handles = scheduler.submitChoices(request, events.listeners(choices));
        try (InFlight.Tracked tracked = inFlight.track(handles)) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0); // chunked: one chunk per flush
            SseWriter sse = new SseWriter(exchange.getResponseBody());
            format.writeStreamStart(sse, choices);
            sse.flush();
            writeEvents(events, choices, sse, format, tracked);
        } finally {
            // the client is gone, writing failed or a choice failed: stop generating for nobody
            cancelUnfinished(handles);
        }
    }

    /**
     * Writes the events of every choice as they come; ends after the last choice finished, or the
     * first failed or was cancelled by the server's shutdown.
     */
    private static void writeEvents(EventQueue events, int choices, SseWriter sse, ResponseFormat format,
                                    InFlight.Tracked tracked) throws IOException {
        int[] streamedChars = new int[choices];
        GenerationResult[] results = new GenerationResult[choices];
        int finished = 0;
        ChoiceEvent next = events.take();
        while (true) {
            int choice = next.choice();
            switch (next.event()) {
                case GenerationEvent.Token token -> {
                    format.writeStreamToken(sse, choice, token);
                    streamedChars[choice] += token.text().length();
                }
                case GenerationEvent.Finished(GenerationResult result)
                        when result.finishReason() == FinishReason.CANCELLED && tracked.cancelledByShutdown() -> {
                    // not a finish_reason "cancelled" that a client could take for a whole answer
                    sse.error(ApiError.cutByShutdown());
                    sse.done();
                    sse.finish();
                    return;
                }
                case GenerationEvent.Finished(GenerationResult result) -> {
                    String text = result.text();
                    format.writeStreamEnd(sse, choice, result,
                            streamedChars[choice] < text.length() ? text.substring(streamedChars[choice]) : "");
                    results[choice] = result;
                    if (++finished == choices) {
                        format.writeStreamClose(sse, List.of(results));
                        sse.done();
                        sse.finish();
                        return;
                    }
                }
                case GenerationEvent.Failed failed -> {
                    sse.error(ApiError.from(failed.error()));
                    sse.done();
                    sse.finish();
                    return;
                }
            }
            next = events.poll();
            if (next == null) { // caught up with the engine: send what we have, then wait
                sse.flush();
                next = events.take();
            }
        }
    }

    /** An event of one choice of a request. */
    record ChoiceEvent(int choice, GenerationEvent event) {
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
    static final class EventQueue {
        /** How many tokens a nap must be expected to gather to be worth a timer wake-up. */
        static final int TOKENS_PER_NAP = 4;

        private final ConcurrentLinkedQueue<ChoiceEvent> queue = new ConcurrentLinkedQueue<>();
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

        /** A listener per choice, each adding that choice's events. */
        List<GenerationListener> listeners(int choices) {
            List<GenerationListener> listeners = new ArrayList<>(choices);
            for (int i = 0; i < choices; i++) {
                int choice = i;
                listeners.add(event -> add(new ChoiceEvent(choice, event)));
            }
            return listeners;
        }

        private void add(ChoiceEvent event) {
            queue.add(event);
            if (sleeping || !(event.event() instanceof GenerationEvent.Token)) {
                LockSupport.unpark(consumer);
            }
        }

        /** The next event if one is queued, else null. */
        ChoiceEvent poll() {
            ChoiceEvent event = queue.poll();
            if (event != null) {
                takenSinceWait++;
            }
            return event;
        }

        /** The next event: now if one is queued, after a nap if tokens come fast, else whenever it comes. */
        ChoiceEvent take() throws InterruptedIOException {
            ChoiceEvent event = poll();
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
