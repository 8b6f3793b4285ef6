package dev.jvmllm.llamacpp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A JVM that used the backend exits normally when main returns: llama.cpp leaves no thread
 * behind that keeps the JVM alive (java-llama.cpp's own API does).
 */
class JvmExitTest {
    @TempDir
    Path dir;

    private Process start(Path model, String mode) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), ExitCheck.class.getName(), model.toString(), mode))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(mode + ".log").toFile())
                .start();
    }

    private void assertExitsNormally(String mode) throws Exception {
        Process process = start(TestModels.random(dir), mode);
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        String output = Files.readString(dir.resolve(mode + ".log"), StandardCharsets.UTF_8);
        if (!exited) {
            process.destroyForcibly();
        }
        assertThat(exited).as("the child JVM exits by itself; its output:%n%s", output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("generated 16 tokens");
    }

    @Test
    void exitsAfterClosingEverything() throws Exception {
        assertExitsNormally("close");
    }

    @Test
    void exitsEvenWhenNothingWasClosed() throws Exception {
        assertExitsNormally("leak");
    }
}
