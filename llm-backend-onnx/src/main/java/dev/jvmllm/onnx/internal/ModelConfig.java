package dev.jvmllm.onnx.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jvmllm.api.ModelLoadException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * What the backend needs from a Hugging Face {@code config.json} (and {@code generation_config.json}):
 * sizes to check the graph against, the context length, and the special token ids.
 *
 * @param modelType {@code model_type}, such as {@code llama}
 * @param vocabularySize {@code vocab_size}
 * @param layers {@code num_hidden_layers}
 * @param kvHeads {@code num_key_value_heads}, else {@code num_attention_heads}
 * @param headDim {@code head_dim}, else {@code hidden_size / num_attention_heads}
 * @param contextLength {@code max_position_embeddings} (or the older names of it)
 * @param bos {@code bos_token_id}, if any
 * @param endOfGeneration every {@code eos_token_id} of both files, the first being the EOS token
 */
record ModelConfig(String modelType, OptionalInt vocabularySize, OptionalInt layers, OptionalInt kvHeads,
                   OptionalInt headDim, int contextLength, OptionalInt bos, List<Integer> endOfGeneration) {

    static ModelConfig read(Path directory) {
        Path file = directory.resolve("config.json");
        JsonNode config = Json.readRequired(file, "the model's configuration (model type, sizes, context length)");
        OptionalInt heads = integer(config, "num_attention_heads", "n_head");
        OptionalInt hidden = integer(config, "hidden_size", "n_embd");
        OptionalInt headDim = integer(config, "head_dim");
        if (headDim.isEmpty() && heads.isPresent() && hidden.isPresent()) {
            headDim = OptionalInt.of(hidden.getAsInt() / heads.getAsInt());
        }
        OptionalInt kvHeads = integer(config, "num_key_value_heads", "n_head_kv");
        if (kvHeads.isEmpty()) {
            kvHeads = heads;
        }
        int context = integer(config, "max_position_embeddings", "n_positions", "max_sequence_length", "seq_length")
                .orElseThrow(() -> new ModelLoadException(file + " has no max_position_embeddings: the backend needs"
                        + " the model's context length"));
        List<Integer> eos = new ArrayList<>(ids(config.get("eos_token_id")));
        JsonNode generation = Json.readOptional(directory.resolve("generation_config.json"));
        if (generation != null) {
            for (int id : ids(generation.get("eos_token_id"))) {
                if (!eos.contains(id)) {
                    eos.add(id);
                }
            }
        }
        List<Integer> bos = ids(config.get("bos_token_id"));
        return new ModelConfig(config.path("model_type").asText("unknown"), integer(config, "vocab_size"),
                integer(config, "num_hidden_layers", "n_layer"), kvHeads, headDim, context,
                bos.isEmpty() ? OptionalInt.empty() : OptionalInt.of(bos.getFirst()), List.copyOf(eos));
    }

    /** The first of the keys that holds an integer. */
    private static OptionalInt integer(JsonNode node, String... keys) {
        for (String key : keys) {
            JsonNode value = node.get(key);
            if (value != null && value.canConvertToInt()) {
                return OptionalInt.of(value.intValue());
            }
        }
        return OptionalInt.empty();
    }

    /** An id field that holds one id, a list of ids, or null. */
    private static List<Integer> ids(JsonNode value) {
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (value.isArray()) {
            List<Integer> ids = new ArrayList<>();
            value.forEach(v -> ids.add(v.intValue()));
            return ids;
        }
        return List.of(value.intValue());
    }
}
