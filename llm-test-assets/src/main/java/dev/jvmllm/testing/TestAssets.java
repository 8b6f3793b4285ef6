package dev.jvmllm.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The real models and native libraries the tests run on, and what happens when one is missing.
 *
 * <p>Each is found through its environment variable ({@code .ci/run} and {@code ./llm test} set
 * them from {@code scripts/fetch.sh --print-env}), else at the place {@code scripts/fetch.sh}
 * puts it in the cache ({@code $JVMLLM_CACHE}, else {@code $XDG_CACHE_HOME/jvmllm}, else
 * {@code ~/.cache/jvmllm}). A test that needs a missing one is skipped (an assumption), unless
 * {@value #REQUIRE_VARIABLE} is {@code 1}, as in CI: there a missing asset fails the test, so
 * that a green run means the real-model tests ran.
 */
public final class TestAssets {
    /** Set to {@code 1}: a missing asset fails the test that needs it instead of skipping it. */
    public static final String REQUIRE_VARIABLE = "LLM_TEST_REQUIRE_ASSETS";

    private TestAssets() {
    }

    /** stories260K.gguf ({@code LLM_TEST_MODEL}, else {@code ../shared/models/} beside the project). */
    public static Path stories() {
        return require("LLM_TEST_MODEL", Optional.of(Path.of("..", "..", "shared", "models", "stories260K.gguf")),
                "stories260K.gguf: set LLM_TEST_MODEL to ../shared/models/stories260K.gguf");
    }

    /** SmolLM2-135M-Instruct, Q4_1 GGUF ({@code LLM_TEST_SMOLLM2}). */
    public static Path smolLm2() {
        return require("LLM_TEST_SMOLLM2", Optional.of(cache().resolve("models/SmolLM2-135M-Instruct.Q4_1.gguf")),
                "SmolLM2-135M-Instruct: run scripts/fetch.sh models");
    }

    /** Gemma 3 270M, Q4_K_M GGUF ({@code LLM_TEST_GEMMA3}). */
    public static Path gemma3() {
        return require("LLM_TEST_GEMMA3", Optional.of(cache().resolve("models/gemma-3-270m-q4_k_m.gguf")),
                "Gemma 3 270M: run scripts/fetch.sh models");
    }

    /** The all-MiniLM-L6-v2 ONNX directory ({@code model.onnx}, {@code tokenizer.json}; {@code LLM_TEST_MINILM}). */
    public static Path miniLm() {
        return require("LLM_TEST_MINILM", Optional.of(cache().resolve("models/all-MiniLM-L6-v2")),
                "all-MiniLM-L6-v2: run scripts/fetch.sh models");
    }

    /** The current llama.cpp's {@code libllama} ({@code LLM_TEST_LLAMA_LIBRARY}; installed for linux-x64). */
    public static Path currentLlamaLibrary() {
        return require("LLM_TEST_LLAMA_LIBRARY",
                Optional.of(cache().resolve("llama.cpp/v0.5.0/linux-x64/libllama.v0.5.0.so")),
                "the current llama.cpp: run scripts/fetch.sh llama.cpp (scripts/fetch.sh --print-env prints"
                        + " LLM_TEST_LLAMA_LIBRARY)");
    }

    /** node-llama-cpp with its prebuilt current llama.cpp, the reference for that library ({@code LLM_TEST_NODE_LLAMA_CPP}). */
    public static Path nodeLlamaCpp() {
        return require("LLM_TEST_NODE_LLAMA_CPP", Optional.of(cache().resolve("node-llama-cpp/3.22.1")),
                "node-llama-cpp 3.22.1: run scripts/fetch.sh reference");
    }

    /**
     * The prometheus_client wheel, whose text-format parser the tests read {@code /metrics} with
     * ({@code LLM_TEST_PROMETHEUS_CLIENT}; Python imports it from the wheel: {@code PYTHONPATH=wheel}).
     */
    public static Path prometheusClient() {
        return require("LLM_TEST_PROMETHEUS_CLIENT", Optional.of(cache().resolve("python/prometheus_client-0.21.1-py3-none-any.whl")),
                "prometheus_client 0.21.1: run scripts/fetch.sh reference");
    }

    /** Whether a missing asset fails the test ({@value #REQUIRE_VARIABLE}{@code =1}). */
    public static boolean required() {
        return "1".equals(System.getenv(REQUIRE_VARIABLE));
    }

    private static Path require(String variable, Optional<Path> fallback, String what) {
        String value = System.getenv(variable);
        Optional<Path> path = value != null && !value.isBlank() ? Optional.of(Path.of(value)) : fallback;
        if (path.isPresent() && Files.exists(path.get())) {
            return path.get().toAbsolutePath().normalize();
        }
        String message = "missing " + what + (path.map(p -> " (looked at " + p.toAbsolutePath().normalize() + ")").orElse(""));
        if (required()) {
            return Assertions.fail(message);
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    private static Path cache() {
        String variable = System.getenv("JVMLLM_CACHE");
        if (variable != null && !variable.isBlank()) {
            return Path.of(variable);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("jvmllm");
    }
}
