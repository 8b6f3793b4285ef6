package dev.jvmllm.examples.soak;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One keep-alive HTTP/1.1 connection over a plain socket, read by hand so that a client can stop
 * reading (and close the connection) at any point of an answer, as a user who gives up does. Every
 * read waits at most the hang timeout.
 */
final class HttpConnection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Answers read whole on it so far: a kept connection the server may have closed while idle. */
    private int answered;
    private boolean open = true;

    HttpConnection(int port, int timeoutMillis) throws IOException {
        socket = new Socket();
        try {
            socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(timeoutMillis);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Whether it carried a whole answer before: a failure before the next answer starts may be an idle close. */
    boolean reused() {
        return answered > 0;
    }

    boolean isOpen() {
        return open;
    }

    /** Writes a request. */
    void send(String method, String path, String body) throws IOException {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(160).append(method).append(' ').append(path)
                .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    /**
     * Reads the status line and headers of the answer.
     *
     * @throws NoAnswerException when the connection ends (or is reset) before the answer's first byte
     */
    Head readHead() throws IOException {
        in.mark(1);
        int first;
        try {
            first = in.read();
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            throw new NoAnswerException(e.toString());
        }
        if (first < 0) {
            throw new NoAnswerException("the server closed the connection before answering");
        }
        in.reset();
        String statusLine = readLine();
        if (statusLine.length() < 12 || !statusLine.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> headers = new HashMap<>();
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return new Head(status, headers);
    }

    /**
     * Reads the body in the pieces it arrives in (chunks, or the whole fixed-length body), handing
     * each to {@code pieces} until it answers false; returns whether the body was read to its end.
     */
    boolean readBody(Head head, PieceReader pieces) throws IOException {
        String encoding = head.headers().getOrDefault("transfer-encoding", "");
        String length = head.headers().get("content-length");
        boolean whole;
        if (encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            whole = readChunks(pieces);
        } else if (length != null) {
            byte[] body = in.readNBytes(Integer.parseInt(length));
            if (body.length < Integer.parseInt(length)) {
                throw new EOFException("the body ended after " + body.length + " of " + length + " bytes");
            }
            pieces.read(body);
            whole = true;
        } else { // until the server closes
            byte[] body = in.readAllBytes();
            pieces.read(body);
            open = false;
            whole = true;
        }
        if (whole) {
            answered++;
            if ("close".equalsIgnoreCase(head.headers().get("connection"))) {
                open = false;
            }
        }
        return whole;
    }

    private boolean readChunks(PieceReader pieces) throws IOException {
        while (true) {
            String sizeLine = readLine();
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                for (String trailer = readLine(); !trailer.isEmpty(); trailer = readLine()) {
                    // trailers: none expected
                }
                return true;
            }
            byte[] data = in.readNBytes(size);
            if (data.length < size) {
                throw new EOFException("a chunk ended after " + data.length + " of " + size + " bytes");
            }
            readLine();
            if (!pieces.read(data)) {
                return false;
            }
        }
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(64);
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new EOFException("the server closed the connection mid-answer");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Override
    public void close() {
        open = false;
        try {
            socket.close();
        } catch (IOException e) {
            // closing: nothing to do
        }
    }

    /** The connection ended before any byte of the answer came. */
    static final class NoAnswerException extends IOException {
        NoAnswerException(String message) {
            super(message);
        }
    }

    /** A status and the headers, names in lower case. */
    record Head(int status, Map<String, String> headers) {
    }

    /** Takes the pieces of a body as they come; false to stop reading. */
    @FunctionalInterface
    interface PieceReader {
        boolean read(byte[] piece) throws IOException;
    }
}
