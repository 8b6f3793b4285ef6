package dev.jvmllm.onnx.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.jvmllm.api.ModelLoadException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The inputs and outputs of a decoder graph, read from the session's metadata and checked against
 * {@code config.json}: which names carry the tokens, the mask, the positions and each layer's past
 * and present keys and values, and the sizes the processor allocates for.
 *
 * @param positionIds the {@code position_ids} input, or null when the graph derives positions itself
 * @param useCacheBranch the {@code use_cache_branch} input of Optimum's merged decoders, or null
 * @param pastKeys per layer, the past key input; {@code pastValues}, {@code presentKeys} and
 *                 {@code presentValues} likewise
 * @param kvHeads key/value heads (dimension 1 of the cache tensors)
 * @param headDim width of one head (dimension 3 of the cache tensors)
 * @param vocabularySize the last dimension of {@code logits}
 */
record DecoderSignature(String inputIds, String attentionMask, String positionIds, String useCacheBranch,
                        String logits, List<String> pastKeys, List<String> pastValues, List<String> presentKeys,
                        List<String> presentValues, int kvHeads, int headDim, int vocabularySize) {

    private static final Pattern PAST = Pattern.compile("past_key_values\\.(\\d+)\\.(key|value)");
    private static final Pattern PRESENT = Pattern.compile("(?:present|present_key_values)\\.(\\d+)\\.(key|value)");

    int layers() {
        return pastKeys.size();
    }

    /**
     * Reads the signature.
     *
     * @throws ModelLoadException naming what is missing or disagrees
     */
    static DecoderSignature discover(OrtSession session, ModelConfig config, Path modelFile) {
        Map<String, NodeInfo> inputs;
        Map<String, NodeInfo> outputs;
        try {
            inputs = session.getInputInfo();
            outputs = session.getOutputInfo();
        } catch (OrtException e) {
            throw new ModelLoadException("cannot read the inputs and outputs of " + modelFile + ": " + e.getMessage(), e);
        }
        Shapes shapes = new Shapes(modelFile);
        String inputIds = shapes.require(inputs, "input_ids", OnnxJavaType.INT64, 2, "input");
        String attentionMask = shapes.require(inputs, "attention_mask", OnnxJavaType.INT64, 2, "input");
        String positionIds = inputs.containsKey("position_ids")
                ? shapes.require(inputs, "position_ids", OnnxJavaType.INT64, 2, "input") : null;
        String useCacheBranch = inputs.containsKey("use_cache_branch") ? "use_cache_branch" : null;
        String logits = shapes.require(outputs, "logits", OnnxJavaType.FLOAT, 3, "output");

        TreeMap<Integer, String[]> past = byLayer(inputs, PAST);
        TreeMap<Integer, String[]> present = byLayer(outputs, PRESENT);
        List<String> unknown = new ArrayList<>();
        for (String name : inputs.keySet()) {
            if (!name.equals(inputIds) && !name.equals(attentionMask) && !name.equals(positionIds)
                    && !name.equals(useCacheBranch) && !PAST.matcher(name).matches()) {
                unknown.add(name);
            }
        }
        if (past.isEmpty()) {
            throw new ModelLoadException(modelFile + " has no KV-cache inputs (past_key_values.N.key / .value; its inputs"
                    + " are " + inputs.keySet() + "): export the decoder with its cache, for example with"
                    + " optimum-cli export onnx --task text-generation-with-past");
        }
        if (!unknown.isEmpty()) {
            throw new ModelLoadException(modelFile + " has inputs this backend does not know how to fill: " + unknown);
        }
        int layers = past.size();
        List<String> pastKeys = new ArrayList<>();
        List<String> pastValues = new ArrayList<>();
        List<String> presentKeys = new ArrayList<>();
        List<String> presentValues = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            String[] in = past.get(layer);
            String[] out = present.get(layer);
            if (in == null || in[0] == null || in[1] == null) {
                throw new ModelLoadException(modelFile + " lacks past_key_values." + layer + ".key or .value although it has "
                        + layers + " layers of KV-cache inputs");
            }
            if (out == null || out[0] == null || out[1] == null) {
                throw new ModelLoadException(modelFile + " lacks the output present." + layer + ".key or .value that"
                        + " matches its input past_key_values." + layer);
            }
            for (int i = 0; i < 2; i++) {
                shapes.require(inputs, in[i], OnnxJavaType.FLOAT, 4, "input");
                shapes.require(outputs, out[i], OnnxJavaType.FLOAT, 4, "output");
            }
            pastKeys.add(in[0]);
            pastValues.add(in[1]);
            presentKeys.add(out[0]);
            presentValues.add(out[1]);
        }
        if (present.size() != layers) {
            throw new ModelLoadException(modelFile + " has " + present.size() + " layers of present outputs but " + layers
                    + " layers of past inputs");
        }
        check(modelFile, "num_hidden_layers", config.layers(), layers, "its number of past_key_values layers");
        int kvHeads = shapes.agree(inputs, pastKeys.getFirst(), 1, config.kvHeads(), "num_key_value_heads");
        int headDim = shapes.agree(inputs, pastKeys.getFirst(), 3, config.headDim(), "head_dim");
        int vocabulary = shapes.agree(outputs, logits, 2, config.vocabularySize(), "vocab_size");
        for (int layer = 0; layer < layers; layer++) {
            for (String name : List.of(pastKeys.get(layer), pastValues.get(layer))) {
                shapes.agree(inputs, name, 1, OptionalInt.of(kvHeads), "num_key_value_heads");
                shapes.agree(inputs, name, 3, OptionalInt.of(headDim), "head_dim");
            }
        }
        return new DecoderSignature(inputIds, attentionMask, positionIds, useCacheBranch, logits, List.copyOf(pastKeys),
                List.copyOf(pastValues), List.copyOf(presentKeys), List.copyOf(presentValues), kvHeads, headDim,
                vocabulary);
    }

    private static TreeMap<Integer, String[]> byLayer(Map<String, NodeInfo> values, Pattern pattern) {
        TreeMap<Integer, String[]> layers = new TreeMap<>();
        for (String name : values.keySet()) {
            Matcher m = pattern.matcher(name);
            if (m.matches()) {
                String[] pair = layers.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new String[2]);
                pair[m.group(2).equals("key") ? 0 : 1] = name;
            }
        }
        return layers;
    }

    private static void check(Path modelFile, String configKey, OptionalInt configured, int actual, String what) {
        if (configured.isPresent() && configured.getAsInt() != actual) {
            throw new ModelLoadException("config.json says " + configKey + " = " + configured.getAsInt() + " but "
                    + modelFile.getFileName() + " has " + actual + " as " + what);
        }
    }

    /** Type and rank checks, and the agreement of graph dimensions with config.json; the encoder's checks too. */
    record Shapes(Path modelFile) {

        String require(Map<String, NodeInfo> values, String name, OnnxJavaType type, int rank, String kind) {
            NodeInfo node = values.get(name);
            if (node == null) {
                throw new ModelLoadException(modelFile + " has no " + kind + " '" + name + "' (its " + kind + "s are "
                        + values.keySet() + ")");
            }
            if (!(node.getInfo() instanceof TensorInfo info) || info.type != type || info.getShape().length != rank) {
                throw new ModelLoadException(modelFile + "'s " + kind + " '" + name + "' is " + node.getInfo()
                        + "; expected a rank-" + rank + " " + type + " tensor");
            }
            return name;
        }

        /** The size of a dimension: the graph's when fixed, else config.json's; both must agree when both exist. */
        int agree(Map<String, NodeInfo> values, String name, int dimension, OptionalInt configured, String configKey) {
            long fixed = ((TensorInfo) values.get(name).getInfo()).getShape()[dimension];
            if (fixed > 0) {
                check(modelFile, configKey, configured, (int) fixed, "dimension " + dimension + " of '" + name + "'");
                return (int) fixed;
            }
            return configured.orElseThrow(() -> new ModelLoadException("dimension " + dimension + " of '" + name
                    + "' in " + modelFile.getFileName() + " is dynamic and config.json has no " + configKey));
        }
    }
}
