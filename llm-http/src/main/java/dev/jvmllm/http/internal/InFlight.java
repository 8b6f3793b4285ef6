package dev.jvmllm.http.internal;

import dev.jvmllm.api.GenerationHandle;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The requests a server is answering and the generations they run: what a graceful shutdown
 * waits for, and what it cancels when its grace is over. The per-request path is an atomic
 * increment and decrement (and a set insertion for generations); the lock is only touched
 * while draining. A request whose generations the shutdown cancelled knows it
 * ({@link Tracked#cancelledByShutdown()}), so that it answers with a shutdown error rather than
 * as if its client had cancelled.
 */
public final class InFlight {
    private final AtomicInteger requests = new AtomicInteger();
    private final Set<Tracked> generations = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private volatile boolean draining;
    private volatile boolean cancelling;

    /** The tracked generations of one request; closing it stops tracking. */
    final class Tracked implements AutoCloseable {
        private final List<GenerationHandle> handles;
        private volatile boolean cancelledByShutdown;

        private Tracked(List<GenerationHandle> handles) {
            this.handles = handles;
        }

        /**
         * Whether the shutdown cancelled these generations when its grace ran out. Set before the
         * cancellation, so a generation that ends {@code CANCELLED} because of it sees it set.
         */
        boolean cancelledByShutdown() {
            return cancelledByShutdown;
        }

        private void cancelForShutdown() {
            cancelledByShutdown = true;
            handles.forEach(GenerationHandle::cancel);
        }

        @Override
        public void close() {
            generations.remove(this);
        }
    }

    void enter() {
        requests.incrementAndGet();
    }

    void exit() {
        if (requests.decrementAndGet() == 0 && draining) {
            lock.lock();
            try {
                idle.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** How many requests are being answered. */
    int requests() {
        return requests.get();
    }

    boolean draining() {
        return draining;
    }

    /** Tracks the submitted generations of one request until the returned handle is closed. */
    Tracked track(List<GenerationHandle> handles) {
        Tracked tracked = new Tracked(handles);
        generations.add(tracked);
        // a request that got past the draining check just before the grace ran out
        if (cancelling) {
            tracked.cancelForShutdown();
        }
        return tracked;
    }

    /** From now on new requests are refused (503). */
    public void beginDraining() {
        draining = true;
    }

    /**
     * Waits until no request is being answered, at most {@code timeoutNanos}.
     *
     * @return whether every request ended
     */
    public boolean awaitIdle(long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long remaining = timeoutNanos;
            while (requests.get() > 0) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = idle.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Cancels every running generation, and every one submitted from now on. */
    public void cancelAll() {
        cancelling = true;
        generations.forEach(Tracked::cancelForShutdown);
    }
}
