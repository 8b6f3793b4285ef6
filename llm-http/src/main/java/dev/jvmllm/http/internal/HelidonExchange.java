package dev.jvmllm.http.internal;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import io.helidon.common.uri.UriQuery;
import io.helidon.http.Header;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One Helidon request and its response behind the JDK's standard {@link HttpExchange} API, which
 * the endpoints are written against, so that they do not depend on the server library.
 * {@link #sendResponseHeaders} follows that API: a length above zero announces a body of exactly
 * that many bytes, which goes out with the status in one write when the body is closed; zero a
 * streamed body (chunked on HTTP/1.1, each {@code flush()} sends what was written); -1 no body.
 */
final class HelidonExchange extends HttpExchange {
    private final ServerRequest request;
    private final ServerResponse response;
    private final ConnectionWatch.Connection connection;
    private final URI uri;
    private final Headers requestHeaders = new Headers();
    private final Headers responseHeaders = new Headers();
    private final Map<String, Object> attributes = new HashMap<>();
    private InputStream requestBody;
    private OutputStream responseBody;
    private int responseCode = -1;

    HelidonExchange(ServerRequest request, ServerResponse response) {
        this.request = request;
        this.response = response;
        this.connection = ConnectionWatch.current();
        this.uri = uri(request);
        if (!request.content().hasEntity()) {
            ConnectionWatch.requestRead(); // nothing more to arrive
        }
        for (Header header : request.headers()) {
            for (String value : header.allValues()) {
                requestHeaders.add(header.name(), value);
            }
        }
    }

    /** The path, decoded as Helidon decoded it, and the raw query; an unparsable query is dropped (no endpoint reads one). */
    private static URI uri(ServerRequest request) {
        String path = request.path().path();
        UriQuery query = request.query();
        try {
            return new URI(null, null, path, query.isEmpty() ? null : query.value(), null);
        } catch (URISyntaxException e) {
            try {
                return new URI(null, null, path, null);
            } catch (URISyntaxException unreachable) {
                throw new IllegalStateException("a path that Helidon accepted is a URI path", unreachable);
            }
        }
    }

    /**
     * Whether the client has closed its connection, for a handler that waits long before it
     * answers; false where that cannot be told (HTTP/2), so that the request runs to its end.
     */
    boolean clientClosed() {
        return connection != null && connection.clientClosed();
    }

    private boolean mustClose() throws InterruptedIOException {
        try {
            return connection != null && connection.mustClose();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the connection's read ended");
        }
    }

    @Override
    public Headers getRequestHeaders() {
        return requestHeaders;
    }

    @Override
    public Headers getResponseHeaders() {
        return responseHeaders;
    }

    @Override
    public URI getRequestURI() {
        return uri;
    }

    @Override
    public String getRequestMethod() {
        return request.prologue().method().text();
    }

    /** Not used: one handler serves every path. */
    @Override
    public HttpContext getHttpContext() {
        return null;
    }

    /** The body; once it has been read to its end, the request deadline no longer applies ({@link ConnectionWatch}). */
    @Override
    public InputStream getRequestBody() {
        if (requestBody == null) {
            requestBody = new FilterInputStream(request.content().inputStream()) {
                @Override
                public int read() throws IOException {
                    return ended(super.read());
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    return ended(super.read(buffer, offset, length));
                }

                private int ended(int read) {
                    if (read < 0) {
                        ConnectionWatch.requestRead();
                    }
                    return read;
                }
            };
        }
        return requestBody;
    }

    @Override
    public OutputStream getResponseBody() {
        if (responseBody == null) {
            throw new IllegalStateException("sendResponseHeaders must come first");
        }
        return responseBody;
    }

    @Override
    public void sendResponseHeaders(int code, long length) throws IOException {
        if (responseCode != -1) {
            throw new IOException("the response headers were sent already");
        }
        if (code < 100 || code > 999) {
            throw new IllegalArgumentException("not an HTTP status: " + code);
        }
        responseCode = code;
        response.status(code);
        if (mustClose()) {
            responseHeaders.set("Connection", "close");
        }
        for (Map.Entry<String, List<String>> header : responseHeaders.entrySet()) {
            response.header(header.getKey(), header.getValue().toArray(String[]::new));
        }
        if (length > 0) {
            responseBody = new WholeBody(length);
        } else if (length == 0) {
            responseBody = new StreamedBody(response.outputStream());
        } else {
            responseBody = new WholeBody(0);
        }
    }

    @Override
    public void close() {
        try {
            if (responseBody != null) {
                responseBody.close();
            } else if (!response.isSent()) {
                response.send();
            }
        } catch (IOException | RuntimeException e) {
            // the client went away; Helidon closes the connection
        }
    }

    @Override
    public int getResponseCode() {
        return responseCode;
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return address(request.remotePeer().address());
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return address(request.localPeer().address());
    }

    private static InetSocketAddress address(java.net.SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet : null;
    }

    @Override
    public String getProtocol() {
        return request.prologue().rawProtocol();
    }

    @Override
    public Object getAttribute(String name) {
        return attributes.get(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (value == null) {
            attributes.remove(name);
        } else {
            attributes.put(name, value);
        }
    }

    /** Not supported: handlers read and write the exchange's own streams. */
    @Override
    public void setStreams(InputStream in, OutputStream out) {
        throw new UnsupportedOperationException("setStreams is not supported by this server");
    }

    @Override
    public HttpPrincipal getPrincipal() {
        return null;
    }

    /**
     * Helidon's streamed body, with its failures as the {@code IOException}s of the exchange API:
     * a write to a client that has gone is an {@code UncheckedIOException} or a
     * {@code ServerConnectionException} there.
     */
    private static final class StreamedBody extends java.io.FilterOutputStream {
        StreamedBody(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] buffer, int offset, int length) throws IOException {
            try {
                out.write(buffer, offset, length);
            } catch (RuntimeException e) {
                throw new IOException("the client went away: " + e.getMessage(), e);
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (RuntimeException e) {
                throw new IOException("the client went away: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                out.close();
            } catch (RuntimeException e) {
                throw new IOException("the client went away: " + e.getMessage(), e);
            }
        }
    }

    /** A body of a known length, sent with the status and headers in one write when it is closed. */
    private final class WholeBody extends OutputStream {
        private final long length;
        private final ByteArrayOutputStream bytes;
        private boolean closed;

        WholeBody(long length) {
            this.length = length;
            this.bytes = new ByteArrayOutputStream((int) Math.min(length, 1 << 16));
        }

        @Override
        public void write(int b) throws IOException {
            check(1);
            bytes.write(b);
        }

        @Override
        public void write(byte[] buffer, int offset, int count) throws IOException {
            check(count);
            bytes.write(buffer, offset, count);
        }

        private void check(int count) throws IOException {
            if (closed) {
                throw new IOException("the response body is closed");
            }
            if (bytes.size() + (long) count > length) {
                throw new IOException("the response body is longer than the " + length + " bytes announced");
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                response.send(bytes.toByteArray());
            }
        }
    }
}
