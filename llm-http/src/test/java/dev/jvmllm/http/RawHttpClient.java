package dev.jvmllm.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.SynchronousQueue;

/** A keep-alive HTTP/1.1 client for fixed-length and chunked answers; nothing more. */
final class RawHttpClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttpClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        out = socket.getOutputStream();
    }

    byte[] call(String method, String path, String body) throws IOException {
        send(method, path, body);
        String head = readHead(in);
        int length = Integer.parseInt(header(head, "content-length"));
        return in.readNBytes(length);
    }

    /** Sends a streaming request and reads the chunked answer to its end; returns the number of events. */
    int stream(String path, String body) throws IOException {
        send("POST", path, body);
        readHead(in);
        ByteArrayOutputStream data = new ByteArrayOutputStream(1 << 20);
        while (true) {
            String size = readLine(in);
            int length = Integer.parseInt(size.trim(), 16);
            if (length == 0) {
                readLine(in);
                break;
            }
            data.write(in.readNBytes(length));
            readLine(in);
        }
        String text = data.toString(StandardCharsets.UTF_8);
        return text.split("\n\n").length - 1; // without [DONE]
    }

    /** Reads a stream chunk by chunk, handing the turn back to the server after each. */
    void pingPong(int events, SynchronousQueue<Boolean> turn) throws Exception {
        send("GET", "/pingpong?" + events, null);
        readHead(in);
        for (int i = 0; i < events; i++) {
            in.readNBytes(Integer.parseInt(readLine(in).trim(), 16));
            readLine(in);
            turn.put(true);
        }
        int size;
        while ((size = Integer.parseInt(readLine(in).trim(), 16)) != 0) { // [DONE], then the last chunk
            in.readNBytes(size);
            readLine(in);
        }
        readLine(in);
    }

    /** Sends a request without reading its answer (a body, when given, as JSON). */
    void send(String method, String path, String body) throws IOException {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n")
                + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.UTF_8);
        byte[] request = Arrays.copyOf(headBytes, headBytes.length + bytes.length);
        System.arraycopy(bytes, 0, request, headBytes.length, bytes.length);
        out.write(request);
    }

    /** The answers as they come, for a test that reads them itself. */
    InputStream input() {
        return in;
    }

    static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (true) {
            String line = readLine(in);
            if (line == null) {
                return null;
            }
            if (line.isEmpty()) {
                return head.toString();
            }
            head.append(line).append('\n');
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c == -1) {
                return null;
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private static String header(String head, String name) {
        for (String line : head.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        throw new IllegalStateException("no " + name + " in " + head);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
