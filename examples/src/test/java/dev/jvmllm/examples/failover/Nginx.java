package dev.jvmllm.examples.failover;

import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An nginx child process running {@code deploy/nginx/jvmllm.conf.template} as it is, its placeholders
 * filled, inside a small {@code nginx.conf} that keeps the pid file, the logs and the temporary paths
 * in a directory of the test's own (so that it runs as any user, on a port above 1024).
 *
 * <p>nginx is Debian's {@code nginx-light} (or {@code nginx}), which {@code .ci/run} installs. Without
 * it a test is skipped, unless {@value TestAssets#REQUIRE_VARIABLE}{@code =1} (CI), where it fails.
 */
final class Nginx implements AutoCloseable {
    /** The template's {@code fail_timeout}: how long a replica stays out after a failed attempt. */
    static final long FAIL_TIMEOUT_MILLIS = 2_000;

    private static final String ACCESS_FORMAT =
            "log_format upstreams '$msec $status $request_method $request_uri up=$upstream_addr st=$upstream_status';";

    private final Process process;
    private final List<ProcessHandle> workers;
    private final Path dir;
    private final int port;

    private Nginx(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.workers = new ArrayList<>();
    }

    /** The nginx executable, else skips the test (fails it in CI). */
    static Path executable() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String entry : path.split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    candidates.add(Path.of(entry, "nginx"));
                }
            }
        }
        // Debian puts it in /usr/sbin, which a non-root PATH often lacks
        candidates.add(Path.of("/usr/sbin/nginx"));
        candidates.add(Path.of("/usr/local/sbin/nginx"));
        candidates.add(Path.of("/usr/local/nginx/sbin/nginx"));
        Optional<Path> found = candidates.stream().filter(Files::isExecutable).findFirst();
        if (found.isPresent()) {
            return found.get();
        }
        String message = "nginx is not installed (apt-get install nginx-light; .ci/run installs it)";
        if (TestAssets.required()) {
            return Assertions.fail(message);
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    /** deploy/nginx/jvmllm.conf.template, from the project root or from a module directory. */
    static Path template() {
        for (Path candidate : List.of(Path.of("deploy", "nginx", "jvmllm.conf.template"),
                Path.of("..", "deploy", "nginx", "jvmllm.conf.template"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new AssertionError("deploy/nginx/jvmllm.conf.template not found from " + Path.of("").toAbsolutePath());
    }

    /** A TCP port on the loopback that nothing listened on a moment ago. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    /**
     * Starts nginx on {@code 127.0.0.1:port} in front of two replicas, waits until it accepts connections.
     *
     * @param replicas {@code host:port} of the two replicas, {@code JVMLLM_REPLICA_1} and {@code _2}
     */
    static Nginx start(Path dir, int port, String replica1, String replica2) throws IOException, InterruptedException {
        Path nginx = executable();
        Files.createDirectories(dir);
        String site = Files.readString(template(), StandardCharsets.UTF_8)
                .replace("${JVMLLM_LISTEN}", "127.0.0.1:" + port)
                .replace("${JVMLLM_REPLICA_1}", replica1)
                .replace("${JVMLLM_REPLICA_2}", replica2);
        // placeholders only in the comments may stay
        for (String line : site.lines().toList()) {
            if (!line.strip().startsWith("#") && line.contains("${")) {
                throw new AssertionError("an unfilled placeholder in the template: " + line);
            }
        }
        Files.writeString(dir.resolve("jvmllm.conf"), site, StandardCharsets.UTF_8);
        String d = dir.toAbsolutePath().toString();
        // the owner of a directory this process just made: its own uid
        boolean root = ((Integer) Files.getAttribute(dir, "unix:uid")) == 0;
        String main = String.join("\n",
                "daemon off;",
                "master_process on;",
                "worker_processes 1;",
                // as root, the workers would switch to nobody, who cannot enter the test's directory
                root ? "user root;" : "",
                "pid " + d + "/nginx.pid;",
                "error_log " + d + "/error.log warn;",
                "events { worker_connections 512; }",
                "http {",
                "    " + ACCESS_FORMAT,
                "    access_log " + d + "/access.log upstreams;",
                "    client_body_temp_path " + d + "/client_body;",
                "    proxy_temp_path " + d + "/proxy;",
                "    fastcgi_temp_path " + d + "/fastcgi;",
                "    uwsgi_temp_path " + d + "/uwsgi;",
                "    scgi_temp_path " + d + "/scgi;",
                "    include " + d + "/jvmllm.conf;",
                "}",
                "");
        Files.writeString(dir.resolve("nginx.conf"), main, StandardCharsets.UTF_8);
        Path out = dir.resolve("nginx.out");
        Process process = new ProcessBuilder(nginx.toString(), "-p", d + "/", "-c", d + "/nginx.conf")
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        Nginx started = new Nginx(process, dir, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            if (!process.isAlive()) {
                String log = Files.readString(out) + readIfExists(dir.resolve("error.log"));
                throw new AssertionError("nginx exited with " + process.exitValue() + ":\n" + log);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                break;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    started.close();
                    throw new AssertionError("nginx does not accept connections on " + port + " after 30 s:\n"
                            + Files.readString(out) + readIfExists(dir.resolve("error.log")));
                }
                Thread.sleep(50);
            }
        }
        process.descendants().forEach(started.workers::add);
        return started;
    }

    int port() {
        return port;
    }

    /** The access log: {@code msec status method uri up=ADDR[, ADDR][ : ADDR] st=STATUS...}, one line a request. */
    List<String> accessLog() {
        try {
            return Files.readAllLines(dir.resolve("access.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String errorLog() {
        return readIfExists(dir.resolve("error.log"));
    }

    private static String readIfExists(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    /** SIGTERM (nginx's fast shutdown: the master stops its workers), then SIGKILL to whatever is left. */
    @Override
    public void close() {
        process.descendants().forEach(workers::add);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        workers.forEach(ProcessHandle::destroyForcibly);
    }
}
