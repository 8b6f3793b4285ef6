package dev.jvmllm.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.LogFormat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * llama.cpp's own greedy output for raw prompts, from the programs that ship with each library,
 * to hold the project's output against: java-llama.cpp's {@code LlamaModel} (llama-server's code,
 * on the bundled b4916) and node-llama-cpp (llama.cpp's JavaScript binding, whose prebuilt
 * libraries are the current llama.cpp this project installs). The two libraries' kernels round
 * differently, so each is the reference only for its own library.
 */
public final class LlamaCppReference {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LlamaCppReference() {
    }

    /** java-llama.cpp's greedy completion of each prompt (temperature 0, top-k 1), on b4916. */
    public static List<String> javaLlamaCpp(Path model, int maxTokens, List<String> prompts) {
        LlamaModel.setLogger(LogFormat.TEXT, (level, message) -> { });
        try (LlamaModel peer = new LlamaModel(new ModelParameters().setModel(model.toString()).setCtxSize(512)
                .setGpuLayers(0).setThreads(1))) {
            List<String> texts = new ArrayList<>();
            for (String prompt : prompts) {
                texts.add(peer.complete(new InferenceParameters(prompt).setNPredict(maxTokens).setTemperature(0f)
                        .setTopK(1).setCachePrompt(false)));
            }
            return texts;
        }
    }

    /** node-llama-cpp's greedy completion of each prompt (temperature 0), on the current llama.cpp. */
    public static List<String> nodeLlamaCpp(Path model, int maxTokens, List<String> prompts) {
        Path modules = TestAssets.nodeLlamaCpp().resolve("node_modules");
        try {
            Path script = Files.createTempFile("node-llama-cpp-complete", ".mjs");
            try (InputStream in = LlamaCppReference.class.getResourceAsStream("node-llama-cpp-complete.mjs")) {
                Files.write(script, in.readAllBytes());
            }
            List<String> command = new ArrayList<>(List.of("node", script.toString(), modules.toString(),
                    model.toString(), Integer.toString(maxTokens)));
            command.addAll(prompts);
            Path errors = Files.createTempFile("node-llama-cpp", ".log");
            Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("node-llama-cpp failed: " + Files.readString(errors));
            }
            Files.deleteIfExists(script);
            Files.deleteIfExists(errors);
            List<String> texts = new ArrayList<>();
            for (String line : out.strip().split("\n")) {
                texts.add(JSON.readValue(line, String.class));
            }
            if (texts.size() != prompts.size()) {
                throw new IllegalStateException("node-llama-cpp answered " + texts.size() + " of " + prompts.size()
                        + " prompts: " + out);
            }
            return texts;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run node-llama-cpp: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while node-llama-cpp ran", e);
        }
    }
}
