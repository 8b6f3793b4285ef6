package dev.jvmllm.examples.cli;

import dev.jvmllm.testing.LlamaCppReference;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./llm generate} on the real models prints exactly what llama.cpp itself generates for the
 * same raw prompt, greedily: on the bundled b4916 what java-llama.cpp's {@code LlamaModel} gives,
 * on the current llama.cpp what node-llama-cpp (the JavaScript binding shipped with the same
 * prebuilt libraries) gives. The two libraries' kernels round differently, so each library is held
 * against its own reference.
 */
class GenerateMatchesLlamaCppTest {
    private static final List<String> PROMPTS = List.of("Once upon a time", "The capital of France is",
            "def fibonacci(n):");
    private static final int TOKENS = 40;

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"smollm2, bundled", "smollm2, current", "gemma3, bundled", "gemma3, current"})
    void generatePrintsLlamaCppsOwnGreedyText(String which, String library) {
        Path model = which.equals("smollm2") ? TestAssets.smolLm2() : TestAssets.gemma3();
        String choice = library.equals("bundled") ? "bundled" : TestAssets.currentLlamaLibrary().toString();
        List<String> expected = library.equals("bundled") ? LlamaCppReference.javaLlamaCpp(model, TOKENS, PROMPTS)
                : LlamaCppReference.nodeLlamaCpp(model, TOKENS, PROMPTS);
        for (int i = 0; i < PROMPTS.size(); i++) {
            String out = generate("--model", model.toString(), "--llama-library", choice, "--prompt", PROMPTS.get(i),
                    "--temperature", "0", "--max-tokens", Integer.toString(TOKENS), "--threads", "1");
            assertThat(expected.get(i)).as("the reference for %s", PROMPTS.get(i)).isNotBlank();
            assertThat(out).as(PROMPTS.get(i)).isEqualTo(expected.get(i) + "\n");
        }
    }

    /** Runs {@code llm generate} in this JVM; returns what it printed on stdout. */
    private static String generate(String... args) {
        PrintStream originalOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        String[] command = new String[args.length + 1];
        command[0] = "generate";
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int exit = LlmCommand.commandLine().setErr(new PrintWriter(err, true)).execute(command);
            assertThat(exit).as("exit code; stderr: %s", err).isZero();
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(originalOut);
        }
    }
}
