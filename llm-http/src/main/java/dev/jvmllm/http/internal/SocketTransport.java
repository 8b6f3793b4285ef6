package dev.jvmllm.http.internal;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The HTTP/1.1 transport under {@link dev.jvmllm.http.LlmServer}: one thread per connection,
 * which reads each request straight from its socket, runs the handler and writes the answer,
 * then waits on the socket for the next request (keep-alive).
 *
 * <p>Why not {@code jdk.httpserver}, whose handler API this keeps: its selector thread stands
 * between the socket and the handler, and after every answer the connection goes back to that
 * thread to be registered again, so each request costs two more thread wake-ups. On a virtual
 * machine a wake-up of a core that has been idle for the length of a generation costs 100–200 µs:
 * measured with a 15 ms generation, {@code jdk.httpserver} on virtual threads added 1.3 ms per
 * request and Helidon 4's server about 1 ms, a thread per connection 0.45–0.5 ms.
 *
 * <p>Why the first {@value #PLATFORM_CONNECTIONS} connections open at once get platform threads
 * and only the rest virtual ones: a virtual thread blocked on its socket is woken by a poller
 * thread, which then has to wake a carrier thread to run it, where a platform thread is woken
 * by the kernel itself; and a virtual thread that waits for its generation's result is woken
 * through the carrier pool as well. Measured with 128-token generations over loopback, a
 * platform connection thread added 0.2–0.4 ms per request to the direct path's time and a
 * virtual one 0.8–1.1 ms. Virtual threads still take every connection past the first
 * {@value #PLATFORM_CONNECTIONS}, so that a crowd of idle keep-alive connections costs no more
 * than their sockets; the first ones cover the sequences a scheduler runs at once, with room
 * for clients' connection pools.
 *
 * <p>What it accepts: request bodies with {@code Content-Length} or chunked,
 * {@code Expect: 100-continue}, pipelined requests. What it refuses before any
 * handler runs, closing the connection: a malformed request line or header (400), headers over
 * {@value #MAX_HEAD_BYTES} bytes (431), a transfer coding other than chunked (501), an HTTP
 * version other than 1.0 and 1.1 (505). A connection
 * with no request for {@link #IDLE_TIMEOUT} is closed.
 */
public final class SocketTransport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SocketTransport.class);
    /** The largest chunk a streamed body sends at once. */
    static final int MAX_CHUNK = 64 * 1024;
    private static final int MAX_HEAD_BYTES = 32 * 1024;
    private static final int MAX_HEADERS = 128;
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration THREAD_END_WAIT = Duration.ofSeconds(5);
    private static final Duration ACCEPT_RETRY = Duration.ofMillis(100);
    private static final int PLATFORM_CONNECTIONS = 64;
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket listener;
    private final HttpHandler handler;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionIds = new AtomicLong();
    /** Platform threads still free for new connections; see the class comment. */
    private final Semaphore platformThreads;
    private final Thread acceptor;
    private volatile boolean stopping;

    private SocketTransport(ServerSocket listener, HttpHandler handler, int platformConnections) {
        this.listener = listener;
        this.handler = handler;
        this.platformThreads = new Semaphore(platformConnections);
        this.acceptor = Thread.ofPlatform().name("llm-http-acceptor-" + listener.getLocalPort()).daemon()
                .unstarted(this::accept);
    }

    /** Binds the address and starts accepting connections. */
    public static SocketTransport start(InetSocketAddress address, HttpHandler handler) throws IOException {
        return start(address, handler, PLATFORM_CONNECTIONS);
    }

    /** As {@link #start(InetSocketAddress, HttpHandler)}, with platform threads for at most {@code platformConnections} connections at once. */
    static SocketTransport start(InetSocketAddress address, HttpHandler handler, int platformConnections)
            throws IOException {
        ServerSocket listener = new ServerSocket();
        try {
            listener.setReuseAddress(true);
            listener.bind(address, 0);
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        SocketTransport transport = new SocketTransport(listener, handler, platformConnections);
        transport.acceptor.start();
        return transport;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /**
     * Stops accepting, closes every connection (a request still running sees its socket closed)
     * and waits a little for the connection threads to end.
     */
    @Override
    public void close() {
        stopping = true;
        try {
            listener.close();
        } catch (IOException e) {
            log.debug("closing the listening socket: {}", e.toString());
        }
        for (Connection connection : connections) {
            connection.closeSocket();
        }
        long deadline = System.nanoTime() + THREAD_END_WAIT.toNanos();
        try {
            acceptor.join(THREAD_END_WAIT);
            for (Connection connection : connections) {
                connection.thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void accept() {
        while (!stopping) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (!stopping) {
                    // such as running out of file descriptors: pause rather than spin on the error
                    log.warn("accepting a connection failed; retrying in {} ms", ACCEPT_RETRY.toMillis(), e);
                    try {
                        Thread.sleep(ACCEPT_RETRY);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
                continue;
            }
            Connection connection = new Connection(socket, connectionIds.incrementAndGet());
            connections.add(connection);
            if (stopping) {
                connection.end();
            } else {
                connection.start();
            }
        }
    }

    /** A request the transport answers itself with an error (mostly before any handler sees it); the connection then ends. */
    private static final class BadRequest extends Exception {
        final int status;

        BadRequest(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /** One client connection and the thread that serves its requests one after another. */
    final class Connection {
        private final Socket socket;
        private final boolean platform;
        private final Thread thread;
        private InputStream in;
        private OutputStream out;
        /** Bytes read of the current request's head, against {@link #MAX_HEAD_BYTES}. */
        private int headBytes;

        Connection(Socket socket, long id) {
            this.socket = socket;
            this.platform = platformThreads.tryAcquire();
            Thread.Builder threads = platform ? Thread.ofPlatform().daemon() : Thread.ofVirtual();
            this.thread = threads.name("llm-http-connection-" + id).unstarted(this::serve);
        }

        void start() {
            try {
                thread.start();
            } catch (OutOfMemoryError e) {
                // the operating system refused another thread: refuse this connection, keep accepting others
                log.error("no thread could be started for a new connection; closing it", e);
                end();
            }
        }

        /** Closes the socket and gives back what the connection held. */
        void end() {
            closeSocket();
            connections.remove(this);
            if (platform) {
                platformThreads.release();
            }
        }

        OutputStream output() {
            return out;
        }

        InetSocketAddress remoteAddress() {
            return (InetSocketAddress) socket.getRemoteSocketAddress();
        }

        InetSocketAddress localAddress() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        /**
         * Whether the client has closed its end of the connection, found by reading ahead without
         * losing anything: a byte that is there (the start of a pipelined request) stays in the
         * buffer. Waits at most {@code timeoutMillis} for the socket to say. A client that half-closes
         * its side while it waits for the answer looks closed too, as it does to nginx.
         */
        boolean clientClosed(int timeoutMillis) {
            try {
                socket.setSoTimeout(timeoutMillis);
                try {
                    in.mark(1);
                    if (in.read() < 0) {
                        return true;
                    }
                    in.reset();
                    return false;
                } catch (SocketTimeoutException e) {
                    return false; // nothing to read, the connection is open: the client waits
                } finally {
                    socket.setSoTimeout((int) IDLE_TIMEOUT.toMillis());
                }
            } catch (IOException e) {
                return true; // reset by the peer, or closed under us
            }
        }

        void closeSocket() {
            try {
                socket.close();
            } catch (IOException e) {
                log.debug("closing a connection: {}", e.toString());
            }
        }

        private void serve() {
            try {
                socket.setTcpNoDelay(true); // a streamed token must not wait for the previous one's ACK
                socket.setSoTimeout((int) IDLE_TIMEOUT.toMillis());
                in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
                out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
                while (!stopping && serveOne()) {
                    // keep-alive: next request on the same connection
                }
            } catch (BadRequest e) {
                refuse(e);
            } catch (SocketTimeoutException e) {
                log.debug("closing a connection idle for {}", IDLE_TIMEOUT);
            } catch (IOException e) {
                log.debug("a connection ended: {}", e.toString());
            } finally {
                end();
            }
        }

        /** Serves one request; false when the connection must end after it. */
        private boolean serveOne() throws IOException, BadRequest {
            headBytes = 0;
            String requestLine = readLine();
            while (requestLine != null && requestLine.isEmpty()) { // a client may send a CRLF between requests
                requestLine = readLine();
            }
            if (requestLine == null) {
                return false; // the client closed the connection between requests
            }
            String[] parts = requestLine.split(" ", -1);
            if (parts.length != 3 || !TOKEN.matcher(parts[0]).matches()) {
                throw new BadRequest(400, "malformed HTTP request line");
            }
            String method = parts[0];
            String version = parts[2];
            if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
                throw new BadRequest(version.startsWith("HTTP/") ? 505 : 400, "unsupported protocol " + version);
            }
            URI uri = target(parts[1]);
            Headers headers = readHeaders();
            boolean chunked = chunked(headers);
            long length = chunked ? -1 : contentLength(headers);
            boolean closeAfter = version.equals("HTTP/1.0") || "close".equalsIgnoreCase(headers.getFirst("Connection"));
            boolean expectContinue = length != 0 && version.equals("HTTP/1.1")
                    && "100-continue".equalsIgnoreCase(headers.getFirst("Expect"));
            RequestBody body = new RequestBody(length, chunked, expectContinue);
            SocketExchange exchange = new SocketExchange(this, method, uri, version, headers, body, body::fullyRead,
                    closeAfter || stopping);
            try {
                handler.handle(exchange);
            } catch (RuntimeException e) {
                log.error("{} {}: the handler failed", method, uri, e);
                if (exchange.getResponseCode() == -1) {
                    throw new BadRequest(500, "internal error: " + e);
                }
                return false; // the answer is cut short: only closing tells the client
            } finally {
                exchange.close();
            }
            if (exchange.getResponseCode() == -1) {
                throw new BadRequest(500, "the server sent no answer");
            }
            return exchange.responseComplete() && !exchange.mustClose() && body.fullyRead();
        }

        private URI target(String target) throws BadRequest {
            if (!target.startsWith("/") && !target.startsWith("http://") && !target.startsWith("https://")) {
                throw new BadRequest(400, "the request target must be a path");
            }
            try {
                URI uri = new URI(target);
                if (uri.getPath() == null || uri.getPath().isEmpty()) {
                    return new URI("/");
                }
                return uri;
            } catch (URISyntaxException e) {
                throw new BadRequest(400, "malformed request target: " + e.getReason());
            }
        }

        private Headers readHeaders() throws IOException, BadRequest {
            Headers headers = new Headers();
            int count = 0;
            for (String line = readLine(); ; line = readLine()) {
                if (line == null) {
                    throw new IOException("the client closed the connection in the request head");
                }
                if (line.isEmpty()) {
                    return headers;
                }
                int colon = line.indexOf(':');
                if (colon <= 0 || !TOKEN.matcher(line.substring(0, colon)).matches()) {
                    throw new BadRequest(400, "malformed HTTP header line");
                }
                if (++count > MAX_HEADERS) {
                    throw new BadRequest(431, "more than " + MAX_HEADERS + " header fields");
                }
                headers.add(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }

        /** True for a chunked body; any other transfer coding is refused, as is chunked together with Content-Length. */
        private boolean chunked(Headers headers) throws BadRequest {
            var codings = headers.get("Transfer-encoding");
            if (codings == null) {
                return false;
            }
            if (codings.size() != 1 || !codings.getFirst().equalsIgnoreCase("chunked")) {
                throw new BadRequest(501, "the only transfer coding accepted is chunked, alone");
            }
            if (headers.containsKey("Content-length")) {
                throw new BadRequest(400, "a request must not have both Transfer-Encoding and Content-Length");
            }
            return true;
        }

        private long contentLength(Headers headers) throws BadRequest {
            var values = headers.get("Content-length");
            if (values == null) {
                return 0;
            }
            String first = values.getFirst();
            for (String value : values) {
                if (!value.equals(first)) {
                    throw new BadRequest(400, "conflicting Content-Length headers");
                }
            }
            if (first.isEmpty() || first.length() > 18 || !first.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new BadRequest(400, "malformed Content-Length: " + first);
            }
            return Long.parseLong(first);
        }

        /** A line of the head without its line end (CRLF, or a bare LF); null at end of stream before any byte. */
        private String readLine() throws IOException, BadRequest {
            StringBuilder line = new StringBuilder(64);
            while (true) {
                int c = in.read();
                if (c == -1) {
                    if (line.isEmpty()) {
                        return null;
                    }
                    throw new IOException("the client closed the connection in the request head");
                }
                if (++headBytes > MAX_HEAD_BYTES) {
                    throw new BadRequest(431, "the request head is larger than " + MAX_HEAD_BYTES + " bytes");
                }
                if (c == '\n') {
                    int end = line.length();
                    if (end > 0 && line.charAt(end - 1) == '\r') {
                        line.setLength(end - 1);
                    }
                    return line.toString();
                }
                line.append((char) c);
            }
        }

        /** Answers a refused request with an error in the OpenAI shape; the connection closes after it. */
        private void refuse(BadRequest refusal) {
            log.debug("refused a request: {} {}", refusal.status, refusal.getMessage());
            ApiError error = refusal.status == 500 ? ApiError.internal(refusal.getMessage())
                    : ApiError.badHttp(refusal.status, refusal.getMessage());
            try {
                Responses.error(SocketExchange.forUnreadRequest(this), error);
            } catch (IOException e) {
                log.debug("could not send the refusal: {}", e.toString());
            }
        }

        /**
         * The request body: exactly Content-Length bytes, or a chunked body decoded (its trailers
         * are read and dropped). Closing it leaves the socket open for the next request.
         */
        private final class RequestBody extends InputStream {
            private static final int MAX_CHUNK_LINE = 1024;
            private final boolean chunked;
            /** Bytes left of the body (Content-Length) or of the current chunk. */
            private long remaining;
            private boolean ended;
            private boolean continueOwed;

            RequestBody(long length, boolean chunked, boolean expectContinue) {
                this.chunked = chunked;
                this.remaining = chunked ? 0 : length;
                this.ended = !chunked && length == 0;
                this.continueOwed = expectContinue && !ended;
            }

            /** True when the body was read to its end, so the next request starts at the next byte. */
            boolean fullyRead() {
                return ended;
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (ended) {
                    return -1;
                }
                if (len == 0) {
                    return 0;
                }
                if (continueOwed) {
                    // the client waits for this before it sends the body; a handler that refuses
                    // the request without reading never asks, and the connection then closes
                    continueOwed = false;
                    out.write(CONTINUE);
                    out.flush();
                }
                if (remaining == 0 && !nextChunk()) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new IOException("the client closed the connection in the request body");
                }
                remaining -= n;
                if (remaining == 0 && !chunked) {
                    ended = true;
                } else if (remaining == 0) {
                    expectLineEnd();
                }
                return n;
            }

            /** Reads the next chunk's size line; false at the last chunk, after its trailers. */
            private boolean nextChunk() throws IOException {
                String line = bodyLine();
                int extension = line.indexOf(';');
                String size = (extension < 0 ? line : line.substring(0, extension)).strip();
                if (size.isEmpty() || size.length() > 15 || !size.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    throw new IOException("malformed chunk size in the request body: " + size);
                }
                remaining = Long.parseLong(size, 16);
                if (remaining > 0) {
                    return true;
                }
                while (!bodyLine().isEmpty()) {
                    // trailer fields: nothing here uses them
                }
                ended = true;
                return false;
            }

            private void expectLineEnd() throws IOException {
                if (!bodyLine().isEmpty()) {
                    throw new IOException("a chunk of the request body is longer than its size");
                }
            }

            private String bodyLine() throws IOException {
                StringBuilder line = new StringBuilder(16);
                for (int c = in.read(); c != '\n'; c = in.read()) {
                    if (c == -1) {
                        throw new IOException("the client closed the connection in the request body");
                    }
                    if (line.length() >= MAX_CHUNK_LINE) {
                        throw new IOException("a chunk line of the request body is too long");
                    }
                    line.append((char) c);
                }
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }

            @Override
            public int available() throws IOException {
                return (int) Math.min(remaining, in.available());
            }

            @Override
            public void close() {
                // the connection's stream stays open for the next request
            }
        }
    }
}
