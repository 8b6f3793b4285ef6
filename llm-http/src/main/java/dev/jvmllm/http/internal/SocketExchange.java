package dev.jvmllm.http.internal;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * One request and its response on a {@link SocketTransport} connection, behind the JDK's
 * standard {@link HttpExchange} API, so that handlers are written as for {@code jdk.httpserver}.
 * {@link #sendResponseHeaders} follows that API: a length above zero sends a body of exactly
 * that many bytes, zero a chunked body (each {@code flush()} of the body sends one chunk), -1 no
 * body. The status line and headers go out with the body's first flush.
 */
final class SocketExchange extends HttpExchange {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final Map<Integer, String> REASONS = Map.ofEntries(
            Map.entry(100, "Continue"), Map.entry(200, "OK"), Map.entry(400, "Bad Request"),
            Map.entry(401, "Unauthorized"), Map.entry(404, "Not Found"), Map.entry(405, "Method Not Allowed"),
            Map.entry(408, "Request Timeout"), Map.entry(411, "Length Required"), Map.entry(413, "Content Too Large"),
            Map.entry(429, "Too Many Requests"), Map.entry(431, "Request Header Fields Too Large"),
            Map.entry(500, "Internal Server Error"), Map.entry(501, "Not Implemented"),
            Map.entry(503, "Service Unavailable"), Map.entry(505, "HTTP Version Not Supported"));

    static String reason(int status) {
        return REASONS.getOrDefault(status, "Status");
    }

    private final SocketTransport.Connection connection;
    private final String method;
    private final URI uri;
    private final String protocol;
    private final Headers requestHeaders;
    private final Headers responseHeaders = new Headers();
    private final InputStream requestBody;
    private final Map<String, Object> attributes = new HashMap<>();
    private final boolean closeAfter;
    private final BooleanSupplier requestBodyRead;
    private OutputStream responseBody;
    private int responseCode = -1;
    private boolean bodyComplete;

    SocketExchange(SocketTransport.Connection connection, String method, URI uri, String protocol,
                   Headers requestHeaders, InputStream requestBody, BooleanSupplier requestBodyRead, boolean closeAfter) {
        this.connection = connection;
        this.method = method;
        this.uri = uri;
        this.protocol = protocol;
        this.requestHeaders = requestHeaders;
        this.requestBody = requestBody;
        this.requestBodyRead = requestBodyRead;
        this.closeAfter = closeAfter;
    }

    /**
     * An exchange that only answers: for a request the transport refuses before it could read it
     * (no method, no headers). Its answer always ends the connection.
     */
    static SocketExchange forUnreadRequest(SocketTransport.Connection connection) {
        return new SocketExchange(connection, "GET", URI.create("/"), "HTTP/1.1", new Headers(),
                InputStream.nullInputStream(), () -> true, true);
    }

    /** Whether the client has closed the connection, for a handler that waits a long time before it answers. */
    boolean clientClosed(int timeoutMillis) {
        return connection.clientClosed(timeoutMillis);
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
        return method;
    }

    /** Not used: this transport has no contexts; one handler serves every path. */
    @Override
    public HttpContext getHttpContext() {
        return null;
    }

    @Override
    public InputStream getRequestBody() {
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
        boolean head = method.equals("HEAD");
        StringBuilder statusAndHeaders = new StringBuilder(256);
        statusAndHeaders.append("HTTP/1.1 ").append(code).append(' ').append(reason(code)).append("\r\n");
        statusAndHeaders.append("Date: ").append(HttpDate.now()).append("\r\n");
        if (length > 0) {
            statusAndHeaders.append("Content-Length: ").append(length).append("\r\n");
        } else if (length == 0 && !head) {
            statusAndHeaders.append("Transfer-Encoding: chunked\r\n");
        } else if (code >= 200 && code != 204 && code != 304) {
            statusAndHeaders.append("Content-Length: 0\r\n");
        }
        if (mustClose() || !requestBodyRead.getAsBoolean()) {
            // what is left of the body would be read as the next request: this connection ends here
            responseHeaders.set("Connection", "close");
        }
        for (Map.Entry<String, List<String>> header : responseHeaders.entrySet()) {
            for (String value : header.getValue()) {
                statusAndHeaders.append(header.getKey()).append(": ").append(value).append("\r\n");
            }
        }
        statusAndHeaders.append("\r\n");
        OutputStream out = connection.output();
        out.write(statusAndHeaders.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (head || length < 0) {
            responseBody = new NoBody(out);
        } else if (length == 0) {
            responseBody = new ChunkedBody(out);
        } else {
            responseBody = new FixedLengthBody(out, length);
        }
    }

    /** True when the connection ends with this exchange: the client or the handler asked for it. */
    boolean mustClose() {
        return closeAfter || "close".equalsIgnoreCase(responseHeaders.getFirst("Connection"));
    }

    /** True when the response was sent whole: the connection can carry the next request. */
    boolean responseComplete() {
        return bodyComplete;
    }

    @Override
    public void close() {
        try {
            if (responseBody != null) {
                responseBody.close();
            }
        } catch (IOException e) {
            bodyComplete = false;
        }
    }

    @Override
    public int getResponseCode() {
        return responseCode;
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public InetSocketAddress getLocalAddress() {
        return connection.localAddress();
    }

    @Override
    public String getProtocol() {
        return protocol;
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

    /** A body of no bytes (HEAD, or length -1): what is written is dropped; closing flushes the headers. */
    private final class NoBody extends FilterOutputStream {
        private boolean closed;

        NoBody(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                out.flush();
                bodyComplete = true;
            }
        }
    }

    private final class FixedLengthBody extends FilterOutputStream {
        private long remaining;
        private boolean closed;

        FixedLengthBody(OutputStream out, long length) {
            super(out);
            this.remaining = length;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("the response body is closed");
            }
            if (len > remaining) {
                throw new IOException("the response body is longer than its Content-Length");
            }
            out.write(b, off, len);
            remaining -= len;
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                out.flush();
                // a shorter body leaves the client waiting for the rest: the connection must end
                bodyComplete = remaining == 0;
            }
        }
    }

    /** Chunked transfer coding; what was written since the last flush goes out as one chunk. */
    private final class ChunkedBody extends OutputStream {
        private final OutputStream out;
        private byte[] buffer = new byte[1024];
        private int count;
        private boolean closed;

        ChunkedBody(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("the response body is closed");
            }
            if (count + len > buffer.length) {
                if (count + len <= SocketTransport.MAX_CHUNK) {
                    buffer = Arrays.copyOf(buffer, Math.max(count + len, Math.min(buffer.length * 2, SocketTransport.MAX_CHUNK)));
                } else {
                    writeChunk();
                    if (len > buffer.length) {
                        writeChunk(b, off, len);
                        return;
                    }
                }
            }
            System.arraycopy(b, off, buffer, count, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            writeChunk();
            out.flush();
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                writeChunk();
                out.write(LAST_CHUNK);
                out.flush();
                bodyComplete = true;
            }
        }

        private void writeChunk() throws IOException {
            writeChunk(buffer, 0, count);
            count = 0;
        }

        private void writeChunk(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return; // an empty chunk would end the body
            }
            out.write(Integer.toHexString(len).getBytes(StandardCharsets.US_ASCII));
            out.write(CRLF);
            out.write(b, off, len);
            out.write(CRLF);
        }
    }

    /** The {@code Date} header, formatted once a second rather than once a response. */
    private static final class HttpDate {
        private record Stamp(long second, String text) {
        }

        private static volatile Stamp stamp = new Stamp(-1, "");

        static String now() {
            long second = System.currentTimeMillis() / 1000;
            Stamp current = stamp;
            if (current.second() != second) {
                current = new Stamp(second, DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
                stamp = current;
            }
            return current.text();
        }
    }
}
