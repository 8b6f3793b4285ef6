package dev.jvmllm.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The llm commands as a user runs them, on stories260K: what they print, and what they write. */
class CommandLineTest {
    private static Path model;

    @TempDir
    Path dir;

    @BeforeAll
    static void findModel() {
        model = TestAssets.stories();
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream originalOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int exit = LlmCommand.commandLine().setErr(new PrintWriter(err, true)).execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(originalOut);
        }
    }

    @Test
    void generatePrintsOnlyTheGeneratedText() {
        Run run = run("generate", "--model", model.toString(), "--prompt", "Once upon a time", "--temperature", "0",
                "--max-tokens", "12");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo(", there was a little girl named Lily. She\n");
    }

    @Test
    void aMissingModelIsAClearErrorNotAStackTrace() {
        Run run = run("generate", "--model", dir.resolve("nope.gguf").toString(), "--prompt", "x");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("llm: model not found: ").contains("nope.gguf");
    }

    @Test
    void convertThenGenerateWithTheOnnxBackendGivesTheSameText() {
        Path onnx = dir.resolve("stories-onnx");
        assertThat(run("convert", "--to", "onnx", "--model", model.toString(), "--out", onnx.toString()).exitCode()).isZero();
        Run run = run("generate", "--backend", "onnx", "--model", onnx.toString(), "--prompt", "Once upon a time",
                "--temperature", "0", "--max-tokens", "12");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo(", there was a little girl named Lily. She\n");
    }

    @Test
    void convertRefusesAnUnknownFormat() {
        Run run = run("convert", "--to", "tflite", "--model", model.toString(), "--out", dir.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("unknown target format 'tflite': only onnx is supported");
    }

    @Test
    void benchWritesOneJsonObjectPerRow() throws Exception {
        Path json = dir.resolve("bench.json");
        Run run = run("bench", "--model", model.toString(), "--tokens", "8", "--runs", "1", "--rounds", "1", "--warm-up", "20",
                "--no-peer", "--json", json.toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("| direct ").contains("| scheduled ").contains("| http-stream ")
                .contains("| ms/req vs direct |").contains("median of 1 runs\n").contains(", 1 round a run\n");
        // one-stream serving rows may add a fixed cost per request; the 8-stream ones keep a ratio
        assertThat(run.out())
                .containsPattern("\\[llama\\.cpp [^,]+, \\d threads?] http x1 \\(cache 8\\) / direct x1 \\(cache 8\\) +\\d+\\.\\d\\dx"
                        + " +\\(at most \\+1\\.00 ms a request\\) (ok|BELOW) +[+-]\\d+\\.\\d\\d ms a request\\n")
                .containsPattern("] scheduled x8 / direct x8 +\\d+\\.\\d\\dx +\\(floor 0\\.90x\\) (ok|BELOW)\\n");
        JsonNode rows = new ObjectMapper().readTree(json.toFile());
        List<String> seen = new ArrayList<>();
        for (JsonNode row : rows) {
            seen.add(row.get("path").asText() + " x" + row.get("concurrency").asInt() + " cache "
                    + row.get("cache_sequences").asInt());
            assertThat(row.get("backend").asText()).isEqualTo("llamacpp");
            assertThat(row.get("library").asText()).startsWith("llama.cpp ");
            assertThat(row.get("threads").asInt()).isPositive();
            assertThat(row.get("kv_cache").asText()).isIn("unified", "per-sequence");
            assertThat(row.get("tokens").asLong()).isEqualTo(8L * row.get("concurrency").asInt());
            assertThat(row.get("tokens_per_second").asDouble()).isPositive();
            assertThat(row.get("run_tokens_per_second")).hasSize(1);
            if (row.get("path").asText().equals("direct")) {
                assertThat(row.get("vs_direct").asDouble()).isEqualTo(1.0);
                assertThat(row.get("ms_per_request_vs_direct").asDouble()).isZero();
            } else {
                assertThat(row.get("ms_per_request_vs_direct").isDouble()).isTrue();
            }
        }
        assertThat(seen).containsExactly("direct x1 cache 1", "direct x1 cache 8", "direct x8 cache 8",
                "scheduled x1 cache 8", "scheduled x8 cache 8", "http x1 cache 8", "http x8 cache 8",
                "http-stream x1 cache 8", "http-stream x8 cache 8");
    }

    @Test
    void benchRunsEveryLibraryOnEveryThreadCountAndThePeerOncePerThreadCount() throws Exception {
        Path current = TestAssets.currentLlamaLibrary();
        Path json = dir.resolve("bench.json");
        Run run = run("bench", "--model", model.toString(), "--llama-library", "bundled", "--llama-library",
                current.toString(), "--thread-counts", "1,2", "--tokens", "4", "--runs", "1", "--rounds", "1",
                "--warm-up", "5", "--warm-up-seconds", "1", "--no-http", "--json", json.toString());
        assertThat(run.exitCode()).isZero();
        List<String> seen = new ArrayList<>();
        for (JsonNode row : new ObjectMapper().readTree(json.toFile())) {
            String configuration = row.get("library").asText() + " " + row.get("threads").asInt() + " "
                    + row.get("kv_cache").asText();
            if (!seen.contains(configuration)) {
                seen.add(configuration);
            }
        }
        assertThat(seen).hasSize(6).startsWith("llama.cpp b4916 1 unified", "llama.cpp b4916 2 unified")
                .endsWith("java-llama.cpp b4916 1 unified", "java-llama.cpp b4916 2 unified");
        assertThat(seen.get(2)).endsWith(" 1 per-sequence");
        assertThat(run.out()).contains("  [llama.cpp b4916, 2 threads]: --llama-library bundled, KV cache unified, 1 round a run\n")
                .containsPattern("\\[2 threads] direct x8 llama\\.cpp \\S+ / direct x8 llama\\.cpp b4916 +\\d+\\.\\d\\dx"
                        + " +\\(floor 1\\.50x\\)")
                .containsPattern("\\[llama\\.cpp b4916, 1 thread] direct x8 / peer x8 +\\d+\\.\\d\\dx +\\(floor 2\\.50x\\)")
                .containsPattern("direct x8 / peer x8 +\\d+\\.\\d\\dx +\\(no floor: the peer runs llama\\.cpp b4916\\)");
    }

    @Test
    void benchRefusesALlamaCppLibraryForAnOnnxModel() {
        Path onnx = dir.resolve("stories-onnx");
        assertThat(run("convert", "--to", "onnx", "--model", model.toString(), "--out", onnx.toString()).exitCode()).isZero();
        Run run = run("bench", "--model", onnx.toString(), "--llama-library", "bundled", "--tokens", "4", "--runs", "1");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("llm: the onnx backend").contains("cannot load the native library bundled");
    }

    @Test
    void benchOfAnEmbeddingModelMeasuresSentencesPerSecond() throws Exception {
        Path json = dir.resolve("embeddings.json");
        Run run = run("bench", "--model", TestAssets.miniLm().toString(), "--runs", "1", "--json", json.toString());
        assertThat(run.exitCode()).isZero();
        JsonNode rows = new ObjectMapper().readTree(json.toFile());
        assertThat(rows).extracting(row -> row.get("path").asText() + " x" + row.get("concurrency").asInt())
                .containsExactly("direct, one input per call x1", "direct, 32 inputs per call x1", "batcher x1",
                        "batcher x32", "HTTP /v1/embeddings x1", "HTTP /v1/embeddings x32");
        assertThat(rows).allSatisfy(row -> assertThat(row.get("sentences_per_second").asDouble()).isPositive());
        assertThat(rows.get(0).get("ratio_to_direct").asDouble()).isEqualTo(1.0);
        assertThat(run.out()).startsWith("embeddings: all-MiniLM-L6-v2 (onnx, onnxruntime ")
                .containsPattern("batcher x32 / direct x1 +\\d+\\.\\d\\dx +\\(floor 3\\.00x\\)");
    }
}
