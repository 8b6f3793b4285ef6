package dev.jvmllm.examples.cli;

import dev.jvmllm.gguf.GgmlType;
import dev.jvmllm.gguf.RandomLlamaModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code llm random-model}: writes a GGUF model of a given shape with random weights, for
 * benchmarks of that shape without downloading one (quantize it with {@code llm quantize}).
 */
@Command(name = "random-model", mixinStandardHelpOptions = true,
        description = {"Write a GGUF model with random (seeded) weights and a small SentencePiece vocabulary.",
                "Its text is meaningless; its speed is that of a real model of the same shape."})
final class RandomModelCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "FILE.gguf")
    Path out;

    @Option(names = "--architecture", defaultValue = "llama", paramLabel = "ARCH",
            description = "llama or qwen3; default: ${DEFAULT-VALUE}")
    String architecture;

    @Option(names = "--blocks", defaultValue = "2", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int blocks;

    @Option(names = "--embedding", defaultValue = "32", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int embedding;

    @Option(names = "--feed-forward", defaultValue = "64", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int feedForward;

    @Option(names = "--heads", defaultValue = "4", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int heads;

    @Option(names = "--kv-heads", defaultValue = "2", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int kvHeads;

    @Option(names = "--context", defaultValue = "2048", paramLabel = "N", description = "default: ${DEFAULT-VALUE}")
    int context;

    @Option(names = "--type", defaultValue = "f16", paramLabel = "TYPE", description = "f32 or f16; default: ${DEFAULT-VALUE}")
    String type;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S", description = "default: ${DEFAULT-VALUE}")
    long seed;

    @Override
    public Integer call() {
        RandomLlamaModel.Architecture arch = switch (architecture.toLowerCase(Locale.ROOT)) {
            case "llama" -> RandomLlamaModel.Architecture.LLAMA;
            case "qwen3" -> RandomLlamaModel.Architecture.QWEN3;
            default -> throw new IllegalArgumentException("unknown architecture '" + architecture + "': llama or qwen3");
        };
        GgmlType weights = switch (type.toLowerCase(Locale.ROOT)) {
            case "f32" -> GgmlType.F32;
            case "f16" -> GgmlType.F16;
            default -> throw new IllegalArgumentException("unknown weight type '" + type + "': f32 or f16");
        };
        RandomLlamaModel spec = RandomLlamaModel.defaults().withArchitecture(arch).withBlockCount(blocks)
                .withAttention(embedding, heads, kvHeads).withFeedForwardLength(feedForward).withContextLength(context)
                .withWeightType(weights).withSeed(seed);
        spec.write(out);
        System.err.printf("wrote %s: %s, %,d parameters%n", out.toAbsolutePath(), spec, spec.parameterCount());
        return 0;
    }
}
