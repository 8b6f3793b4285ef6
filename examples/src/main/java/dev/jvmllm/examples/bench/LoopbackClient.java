package dev.jvmllm.examples.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
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
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] request;

    LoopbackClient(int port, String path, String jsonBody) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        out = socket.getOutputStream();
        byte[] body = jsonBody.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
    }

    /** Sends the request and reads the whole answer (fixed-length or chunked); returns its body. */
    String call() throws IOException {
        out.write(request);
        out.flush();
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
