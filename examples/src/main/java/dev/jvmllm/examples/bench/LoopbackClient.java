package dev.jvmllm.examples.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A lean keep-alive HTTP/1.1 client, in the spirit of wrk: one socket, one request at a time,
 * no thread hand-offs. The benchmark's clients share the two cores with the server and the model,
 * so their own cost must stay close to what a remote client would add: nothing.
 */
final class LoopbackClient implements AutoCloseable {
    private final int port;
    private final byte[] request;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    LoopbackClient(int port, String path, String jsonBody) throws IOException {
        this.port = port;
        byte[] body = jsonBody.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        connect();
    }

    private void connect() throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        out = socket.getOutputStream();
    }

    /**
     * Sends the request and reads the whole answer (fixed-length or chunked); returns its body.
     * A server closes a keep-alive connection that stayed idle too long, and the client learns so
     * only when its next request finds the connection closed: where that happens before the
     * answer's first byte, the request is sent once more on a fresh connection, as HTTP clients do
     * for idle connections (the server cannot have answered it). The new connection is timed with
     * the request; over loopback it costs tens of microseconds. A failure after the answer began
     * is an error.
     */
    String call() throws IOException {
        try {
            send();
        } catch (IOException closedWhileIdle) {
            socket.close();
            connect();
            send();
        }
        int status = -1;
        long length = -1;
        boolean chunked = false;
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            if (status < 0) {
                status = Integer.parseInt(line.substring(9, 12));
            } else if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Long.parseLong(line.substring(15).trim());
            } else if (line.regionMatches(true, 0, "transfer-encoding:", 0, 18)) {
                chunked = line.toLowerCase().contains("chunked");
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(4096);
        if (chunked) {
            for (int size; (size = Integer.parseInt(readLine().trim(), 16)) != 0; ) {
                body.write(in.readNBytes(size));
                readLine();
            }
            readLine();
        } else {
            body.write(in.readNBytes((int) length));
        }
        String text = body.toString(StandardCharsets.UTF_8);
        if (status != 200) {
            throw new IOException("HTTP " + status + ": " + text);
        }
        return text;
    }

    /** Writes the request and waits for the answer's first byte, which it leaves unread. */
    private void send() throws IOException {
        out.write(request);
        out.flush();
        in.mark(1);
        if (in.read() == -1) {
            throw new EOFException("the server closed the connection before answering");
        }
        in.reset();
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(64);
        for (int c; (c = in.read()) != '\n'; ) {
            if (c == -1) {
                throw new IOException("the server closed the connection");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
