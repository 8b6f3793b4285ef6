package dev.jvmllm.http.internal;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Watches the HTTP/1.1 connections of a {@link HelidonTransport}, on the hooks Helidon calls on a
 * connection's own thread: as a receive listener it sees each request line and the end of each
 * request head, as a send listener each response status.
 *
 * <p>Two things come of that. First the deadlines against slowloris clients, which hold
 * connections by trickling their requests (Helidon's read timeout applies to each read, so a
 * byte now and then would hold a connection forever):
 * <ul>
 * <li>a request's head must be whole within the request timeout of its request line, and its body
 *     within the request timeout of the end of its head ({@link #requestRead()});</li>
 * <li>after a response, a keep-alive connection must bring its next request line within the idle
 *     timeout, so that trickling the line itself does not help either.</li>
 * </ul>
 * A watcher thread closes the sockets of connections past their deadline. The first request line
 * on a new connection has no hook: it is bounded by its length (Helidon's 2 KiB) and the read
 * timeout. The per-request cost is a few clock reads, one set insertion and one removal.
 *
 * <p>Second, the handler's way to its connection: Helidon runs an HTTP/1.1 handler on the
 * connection's thread, so {@link #current()} is the connection whose request the calling thread
 * serves, for a handler that waits a long time before it writes and wants to know whether the
 * client is still there ({@link Connection#clientClosed()}). HTTP/2 streams run on threads of
 * their own; for them it is empty.
 *
 * <p>Third, the cap on open connections ({@link #counting}).
 */
final class ConnectionWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConnectionWatch.class);
    private static final ThreadLocal<Connection> CURRENT = new ThreadLocal<>();

    private static final byte[] TOO_MANY_CONNECTIONS = tooManyConnections();

    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();
    private final long requestNanos;
    private final long idleNanos;
    private final Set<Connection> armed = ConcurrentHashMap.newKeySet();
    private final Thread watcher;
    private volatile boolean closed;

    /** One connection: whether a request is being read and since when. Touched by its own thread only. */
    static final class Connection {
        private final ConnectionWatch watch;
        private final ConnectionContext context;
        /** When the connection is closed unless the next step (line, head, body) has arrived; set while in {@link #armed}. */
        private volatile long deadline;
        /** Reads ahead while a handler waits, to see the client go; null when none was needed for this request. */
        private Thread monitor;
        private volatile boolean clientGone;

        private Connection(ConnectionWatch watch, ConnectionContext context) {
            this.watch = watch;
            this.context = context;
        }

        private void deadlineMet() {
            watch.armed.remove(this);
        }

        /**
         * Whether the client has closed the connection, for a handler that has read its request and
         * not yet answered. The first call starts a read of the connection on a thread of its own:
         * the end of the stream means the client has gone; bytes (a pipelined next request) mean it
         * is there, and they stay in the connection's buffer for the next request.
         */
        boolean clientClosed() {
            if (monitor == null) {
                monitor = Thread.ofVirtual().name("llm-http-client-watch").start(() -> {
                    try {
                        context.dataReader().pullData();
                    } catch (RuntimeException e) {
                        clientGone = true; // the end of the stream, or the socket closed
                    }
                });
            }
            return clientGone;
        }

        /**
         * Whether this connection must close after the current response: while the read of
         * {@link #clientClosed()} still waits, nothing else may read the connection, so it cannot
         * carry another request. A long non-streaming request costs its client the keep-alive.
         */
        boolean mustClose() throws InterruptedException {
            if (monitor == null) {
                return false;
            }
            if (monitor.isAlive()) {
                return true;
            }
            monitor.join(); // ended: what it read is visible to the connection's thread
            monitor = null;
            return clientGone;
        }
    }

    ConnectionWatch(int maxConnections, Duration requestTimeout, Duration idleTimeout) {
        this.maxConnections = maxConnections;
        this.requestNanos = requestTimeout.toNanos();
        this.idleNanos = idleTimeout.toNanos();
        // a tenth of the request timeout, at most a second: a request is cut off at most that late
        Duration period = Duration.ofNanos(Math.max(Duration.ofMillis(10).toNanos(),
                Math.min(Duration.ofSeconds(1).toNanos(), requestNanos / 10)));
        this.watcher = Thread.ofPlatform().name("llm-http-request-deadline").daemon().unstarted(() -> watch(period));
        watcher.start();
    }

    /** The connection whose request this thread serves; null on an HTTP/2 stream. */
    static Connection current() {
        return CURRENT.get();
    }

    /** The handler has the whole request: its deadline no longer applies. */
    static void requestRead() {
        Connection connection = CURRENT.get();
        if (connection != null) {
            connection.deadlineMet();
        }
    }

    /** The listener of what a connection reads: request lines and heads. */
    Http1ConnectionListener receiveListener() {
        return new Http1ConnectionListener() {
            /** The request line has arrived: the rest of the head must follow within the request timeout. */
            @Override
            public void prologue(ConnectionContext context, HttpPrologue prologue) {
                arm(context, requestNanos);
            }

            /** The head has arrived: the body must follow within the request timeout. */
            @Override
            public void headers(ConnectionContext context, Headers headers) {
                arm(context, requestNanos);
            }
        };
    }

    /** The listener of what a connection writes: response statuses. */
    Http1ConnectionListener sendListener() {
        return new Http1ConnectionListener() {
            /** The response is going out: the next request line must come within the idle timeout. */
            @Override
            public void status(ConnectionContext context, Status status) {
                arm(context, idleNanos);
            }
        };
    }

    private void arm(ConnectionContext context, long timeoutNanos) {
        Connection connection = CURRENT.get();
        if (connection == null || connection.context != context) {
            connection = new Connection(this, context);
            CURRENT.set(connection);
        }
        connection.deadline = System.nanoTime() + timeoutNanos;
        armed.add(connection);
    }

    /**
     * Counts the connections this selector's protocol opens: one past the most allowed is answered
     * 503 (HTTP/1.1; an HTTP/2 one is closed) and closed at once, without touching the open ones.
     * A new connection's first request line must come within the request timeout.
     */
    ServerConnectionSelector counting(ServerConnectionSelector selector, boolean http1) {
        return new ServerConnectionSelector() {
            @Override
            public int bytesToIdentifyConnection() {
                return selector.bytesToIdentifyConnection();
            }

            @Override
            public Support supports(BufferData request) {
                return selector.supports(request);
            }

            @Override
            public Set<String> supportedApplicationProtocols() {
                return selector.supportedApplicationProtocols();
            }

            @Override
            public ServerConnection connection(ConnectionContext context) {
                return new CountedConnection(selector.connection(context), context, http1);
            }
        };
    }

    private final class CountedConnection implements ServerConnection {
        private final ServerConnection connection;
        private final ConnectionContext context;
        private final boolean http1;

        CountedConnection(ServerConnection connection, ConnectionContext context, boolean http1) {
            this.connection = connection;
            this.context = context;
            this.http1 = http1;
        }

        @Override
        public void handle(Limit limit) throws InterruptedException {
            try {
                if (open.incrementAndGet() > maxConnections) {
                    log.debug("refusing connection {}: {} are open, the most allowed", context.childSocketId(), maxConnections);
                    if (http1) {
                        context.dataWriter().writeNow(BufferData.create(TOO_MANY_CONNECTIONS));
                    }
                    return;
                }
                if (http1) {
                    arm(context, requestNanos);
                }
                connection.handle(limit);
            } finally {
                open.decrementAndGet();
                Connection watched = CURRENT.get();
                if (watched != null) {
                    watched.deadlineMet();
                    CURRENT.remove();
                }
            }
        }

        @Override
        public Duration idleTime() {
            return connection.idleTime();
        }

        @Override
        public void close(boolean interrupt) {
            connection.close(interrupt);
        }
    }

    private static byte[] tooManyConnections() {
        byte[] body = Json.bytes(json -> Responses.writeError(json, ApiError.tooManyConnections()));
        String head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] answer = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, answer, headBytes.length, body.length);
        return answer;
    }

    private void watch(Duration period) {
        while (!closed) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Connection connection : armed) {
                if (now - connection.deadline > 0 && armed.remove(connection)) {
                    log.debug("closing connection {}: past its deadline for the next part of a request",
                            connection.context.childSocketId());
                    try {
                        connection.context.serverSocket().close();
                    } catch (RuntimeException e) {
                        // closed already: the client went away while idle
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        watcher.interrupt();
    }
}
