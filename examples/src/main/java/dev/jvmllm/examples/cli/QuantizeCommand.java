package dev.jvmllm.examples.cli;

import dev.jvmllm.llamacpp.LlamaCppBackend;
import dev.jvmllm.llamacpp.QuantizationType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code llm quantize}: writes a GGUF model with quantized weights, through llama.cpp's {@code llama_model_quantize}. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Quantize a GGUF model (usually F32 or F16) with llama.cpp's llama_model_quantize.",
                "Needs a current llama.cpp (./llm fetch llama.cpp): the bundled b4916 does not export it."})
final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "IN.gguf")
    Path model;

    @Option(names = "--type", required = true, paramLabel = "TYPE",
            description = "q4_0, q4_1, q5_0, q5_1, q8_0, q2_k, q3_k_s, q3_k_m, q3_k_l, q4_k_s, q4_k_m, q5_k_s, q5_k_m,"
                    + " q6_k, iq4_nl, iq4_xs, tq1_0, tq2_0, f16, bf16 or f32")
    String type;

    @Option(names = "--out", required = true, paramLabel = "OUT.gguf")
    Path out;

    @Option(names = "--threads", paramLabel = "N", description = "default: one per core")
    int threads;

    @Option(names = "--llama-library", paramLabel = "LIB",
            description = "the llama.cpp library: a libllama file, 'installed' or 'bundled'; default as for generate")
    String llamaLibrary;

    @Override
    public Integer call() {
        QuantizationType quantization = QuantizationType.of(type);
        long start = System.nanoTime();
        LlamaCppBackend.quantize(model, out, quantization, Optional.ofNullable(llamaLibrary), threads);
        System.err.printf("wrote %s (%s) in %.1f s%n", out.toAbsolutePath(), quantization.label(),
                (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
