package dev.jvmllm.examples.soak;

import dev.jvmllm.gguf.GgufFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The native memory one token takes in a llama.cpp KV cache, from a GGUF's metadata: a key and a
 * value vector per layer, {@code head_count_kv × key_length} and {@code head_count_kv ×
 * value_length} elements, at F16 (the cache type the llama.cpp backend creates its contexts
 * with). Neither binding exposes the cache's own size, and the scheduler counts tokens
 * ({@code SchedulerMetrics.kvCacheTokens}), so tokens × this is what the cache holds. An estimate
 * for models whose layers differ (sliding-window layers of Gemma 3 hold fewer cells).
 */
public final class KvCacheSize {
    private static final int F16_BYTES = 2;

    private KvCacheSize() {
    }

    /** Bytes per cached token, or empty where the model is not a GGUF or its metadata lacks the sizes. */
    public static OptionalLong bytesPerToken(Path model) {
        if (!Files.isRegularFile(model) || !GgufFile.hasMagic(model)) {
            return OptionalLong.empty();
        }
        try {
            GgufFile gguf = GgufFile.open(model);
            String arch = gguf.architecture().orElse(null);
            if (arch == null) {
                return OptionalLong.empty();
            }
            OptionalInt layers = gguf.getInt(arch + ".block_count");
            OptionalInt embedding = gguf.getInt(arch + ".embedding_length");
            OptionalInt heads = gguf.getInt(arch + ".attention.head_count");
            if (layers.isEmpty() || embedding.isEmpty() || heads.isEmpty()) {
                return OptionalLong.empty();
            }
            int headDim = embedding.getAsInt() / heads.getAsInt();
            int kvHeads = gguf.getInt(arch + ".attention.head_count_kv").orElse(heads.getAsInt());
            int keyLength = gguf.getInt(arch + ".attention.key_length").orElse(headDim);
            int valueLength = gguf.getInt(arch + ".attention.value_length").orElse(headDim);
            return OptionalLong.of((long) F16_BYTES * layers.getAsInt() * kvHeads * (keyLength + valueLength));
        } catch (RuntimeException e) { // a per-layer array where a number was expected, and the like
            return OptionalLong.empty();
        }
    }
}
