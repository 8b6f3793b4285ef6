package dev.jvmllm.onnx.internal.convert;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF SentencePiece vocabulary ({@code tokenizer.ggml.model = llama}) as a Hugging Face
 * {@code tokenizer.json}, in the form {@code transformers}' {@code LlamaTokenizerFast} uses: a BPE
 * model with byte fallback, a normalizer that prepends {@code ▁} and turns spaces into {@code ▁},
 * and a decoder that undoes both.
 *
 * <p>llama.cpp's SentencePiece tokenizer repeatedly merges the adjacent pair whose concatenation is
 * the highest-scoring token. A BPE merge list ordered by the score of the merged token makes the
 * Hugging Face tokenizer take the same steps. The merges are derived as {@code transformers}'
 * {@code SentencePieceExtractor} derives them: every split of every token into two tokens, ordered
 * by the merged token's score, then by the ids of the two parts.
 */
public final class SentencePieceTokenizerJson {
    /** llama.cpp's {@code llama_token_type} values. */
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private SentencePieceTokenizerJson() {
    }

    /**
     * Builds the tokenizer.json tree.
     *
     * @param tokens the token texts by id
     * @param scores the token scores by id (higher merges first)
     * @param types the llama.cpp token type of each id
     * @param unknown the id of the unknown token
     * @param bos the id of BOS, added in front when {@code addBos}
     */
    public static ObjectNode build(List<String> tokens, float[] scores, int[] types, int unknown, int bos, boolean addBos) {
        ObjectNode root = JSON.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.set("added_tokens", addedTokens(tokens, types));
        root.set("normalizer", sequence("normalizers",
                JSON.objectNode().put("type", "Prepend").put("prepend", "\u2581"),
                replace(" ", "\u2581")));
        root.putNull("pre_tokenizer");
        root.set("post_processor", addBos ? bosTemplate(tokens.get(bos), bos) : null);
        root.set("decoder", sequence("decoders",
                replace("\u2581", " "),
                JSON.objectNode().put("type", "ByteFallback"),
                JSON.objectNode().put("type", "Fuse"),
                JSON.objectNode().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0)));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", tokens.get(unknown));
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < tokens.size(); id++) {
            if (!vocab.has(tokens.get(id))) {
                vocab.put(tokens.get(id), id);
            }
        }
        ArrayNode merges = model.putArray("merges");
        for (String[] merge : merges(tokens, scores, types)) {
            merges.add(JSON.arrayNode().add(merge[0]).add(merge[1]));
        }
        return root;
    }

    /** Every split of a normal token into two normal tokens, in the order BPE should try them. */
    static List<String[]> merges(List<String> tokens, float[] scores, int[] types) {
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < tokens.size(); id++) {
            // like llama.cpp, merge only pieces of plain text: user-defined and control tokens are matched whole
            if (types[id] == NORMAL) {
                ids.putIfAbsent(tokens.get(id), id);
            }
        }
        record Merge(String left, String right, int merged, int leftId, int rightId, float score) {
        }
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < tokens.size(); id++) {
            if (types[id] != NORMAL) {
                continue;
            }
            String piece = tokens.get(id);
            // split between code points, never inside a surrogate pair
            for (int split = piece.offsetByCodePoints(0, 1); split < piece.length();
                 split = piece.offsetByCodePoints(split, 1)) {
                Integer left = ids.get(piece.substring(0, split));
                Integer right = ids.get(piece.substring(split));
                if (left != null && right != null) {
                    merges.add(new Merge(piece.substring(0, split), piece.substring(split), id, left, right, scores[id]));
                }
            }
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -m.score())
                .thenComparingInt(Merge::merged)
                .thenComparingInt(Merge::leftId)
                .thenComparingInt(Merge::rightId));
        return merges.stream().map(m -> new String[] {m.left(), m.right()}).toList();
    }

    /** Control, unknown and user-defined tokens are matched whole, before the model sees the text. */
    private static ArrayNode addedTokens(List<String> tokens, int[] types) {
        ArrayNode added = JSON.arrayNode();
        for (int id = 0; id < tokens.size(); id++) {
            int type = types[id];
            if (type == CONTROL || type == UNKNOWN || type == USER_DEFINED) {
                added.addObject()
                        .put("id", id)
                        .put("content", tokens.get(id))
                        .put("single_word", false)
                        .put("lstrip", false)
                        .put("rstrip", false)
                        .put("normalized", type == USER_DEFINED)
                        .put("special", type != USER_DEFINED);
            }
        }
        return added;
    }

    private static ObjectNode bosTemplate(String bosText, int bos) {
        ObjectNode processor = JSON.objectNode().put("type", "TemplateProcessing");
        ArrayNode single = processor.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", bosText).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = processor.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", bosText).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", bosText).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode special = processor.putObject("special_tokens").putObject(bosText);
        special.put("id", bosText);
        special.putArray("ids").add(bos);
        special.putArray("tokens").add(bosText);
        return processor;
    }

    private static ObjectNode replace(String pattern, String content) {
        ObjectNode replace = JSON.objectNode().put("type", "Replace");
        replace.putObject("pattern").put("String", pattern);
        replace.put("content", content);
        return replace;
    }

    private static ObjectNode sequence(String field, ObjectNode... steps) {
        ObjectNode sequence = JSON.objectNode().put("type", "Sequence");
        ArrayNode list = sequence.putArray(field);
        for (ObjectNode step : steps) {
            list.add(step);
        }
        return sequence;
    }
}
