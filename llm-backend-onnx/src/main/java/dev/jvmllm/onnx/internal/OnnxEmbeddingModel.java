package dev.jvmllm.onnx.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.EmbeddingOptions;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.ModelInfo;
import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.api.Pooling;
import dev.jvmllm.spi.EmbeddingInputs;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An encoder in the Hugging Face ONNX layout (BERT and its kin, as sentence-transformers exports
 * them): {@code model.onnx} taking {@code input_ids}, {@code attention_mask} and, where the graph
 * has it, {@code token_type_ids}, and giving {@code last_hidden_state} (or {@code token_embeddings});
 * {@code tokenizer.json}; optionally {@code config.json} and sentence-transformers'
 * {@code 1_Pooling/config.json}.
 *
 * <p>The inputs of a call are sorted by length and cut into passes of at most
 * {@value #MAX_BATCH_INPUTS} inputs and {@value #MAX_PASS_TOKENS} padded tokens where the cuts
 * cost least ({@link #passEnds}), so that little of a pass is padding. Padding is masked out of attention and out of the pooling, so an input's
 * embedding does not depend on the others in its pass.
 *
 * <p>The most tokens an input may have: {@code max_position_embeddings} of {@code config.json},
 * else the truncation length {@code tokenizer.json} declares (the length the model was trained
 * on; all-MiniLM-L6-v2 declares 128), else 512, BERT's.
 */
public final class OnnxEmbeddingModel implements EmbeddingModel {
    static final int MAX_BATCH_INPUTS = 32;
    static final int MAX_PASS_TOKENS = 8192;
    /**
     * What running a pass costs beyond its tokens, in tokens of work: ONNX Runtime's per-run and
     * per-operator costs, measured for all-MiniLM-L6-v2 at 20-27 tokens' worth (a pass 1.4-1.7 ms,
     * a token 63-71 µs: docs/benchmarks.md#embeddings), rounded up.
     */
    static final int PASS_COST_IN_TOKENS = 32;
    private static final int BERT_POSITIONS = 512;
    private static final List<String> HIDDEN_STATE_OUTPUTS = List.of("last_hidden_state", "token_embeddings");

    private final ModelInfo info;
    private final HfTokenizer tokenizer;
    private final OrtSession session;
    private final String hiddenState;
    private final boolean takesTokenTypes;
    private final int dimensions;
    private final int maxInputTokens;
    private final Pooling pooling;
    private final boolean normalize;
    /** Runs take it shared; close takes it alone, so the session is never closed under a run. */
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    private OnnxEmbeddingModel(ModelInfo info, HfTokenizer tokenizer, OrtSession session, String hiddenState,
                               boolean takesTokenTypes, int dimensions, int maxInputTokens, Pooling pooling,
                               boolean normalize) {
        this.info = info;
        this.tokenizer = tokenizer;
        this.session = session;
        this.hiddenState = hiddenState;
        this.takesTokenTypes = takesTokenTypes;
        this.dimensions = dimensions;
        this.maxInputTokens = maxInputTokens;
        this.pooling = pooling;
        this.normalize = normalize;
    }

    /**
     * Whether a model directory holds an encoder rather than a decoder: it has no
     * {@code config.json}, or one whose {@code architectures} name no causal language model.
     */
    public static boolean isEncoder(Path directory) {
        JsonNode config = Json.readOptional(directory.resolve("config.json"));
        if (config == null) {
            return true;
        }
        for (JsonNode architecture : config.path("architectures")) {
            String name = architecture.asText();
            if (name.endsWith("ForCausalLM") || name.endsWith("LMHeadModel")) {
                return false;
            }
        }
        return !config.path("is_decoder").asBoolean(false);
    }

    /**
     * Opens an encoder directory (or the {@code model.onnx} inside one).
     *
     * @throws ModelLoadException naming the missing file or the input or output the graph lacks
     */
    public static OnnxEmbeddingModel open(Path path, EmbeddingOptions options) {
        Path directory = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Path modelFile = directory.resolve("model.onnx");
        if (!Files.isRegularFile(modelFile)) {
            throw new ModelLoadException(directory + " has no model.onnx: an ONNX encoder directory holds model.onnx and"
                    + " tokenizer.json");
        }
        JsonNode config = Json.readOptional(directory.resolve("config.json"));
        JsonNode tokenizerJson = Json.readRequired(directory.resolve("tokenizer.json"),
                "the tokenizer: the model's vocabulary and how text becomes tokens");
        long weightBytes = OnnxModel.weightBytes(modelFile);
        // a pass over a batch of inputs is long enough for every core to pay
        int threads = Runtime.getRuntime().availableProcessors();
        // passes come one request (or one gathered batch) at a time, with HTTP and JSON work between
        // them: threads still spinning after a pass took the cores from it (measured in
        // docs/benchmarks.md#embeddings)
        OrtSession session = OnnxModel.createSession(modelFile, threads, true);
        HfTokenizer tokenizer = null;
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            DecoderSignature.Shapes shapes = new DecoderSignature.Shapes(modelFile);
            shapes.require(inputs, "input_ids", OnnxJavaType.INT64, 2, "input");
            shapes.require(inputs, "attention_mask", OnnxJavaType.INT64, 2, "input");
            boolean takesTokenTypes = inputs.containsKey("token_type_ids");
            if (takesTokenTypes) {
                shapes.require(inputs, "token_type_ids", OnnxJavaType.INT64, 2, "input");
            }
            List<String> unknown = inputs.keySet().stream()
                    .filter(name -> !List.of("input_ids", "attention_mask", "token_type_ids").contains(name)).toList();
            if (!unknown.isEmpty()) {
                throw new ModelLoadException(modelFile + " has inputs an encoder does not take: " + unknown
                        + (unknown.stream().anyMatch(n -> n.startsWith("past_key_values"))
                        ? " (this is a decoder: open it as a generation model)" : ""));
            }
            String hiddenState = HIDDEN_STATE_OUTPUTS.stream().filter(outputs::containsKey).findFirst()
                    .orElseThrow(() -> new ModelLoadException(modelFile + " has no output " + HIDDEN_STATE_OUTPUTS
                            + " (its outputs are " + outputs.keySet() + "): an encoder gives the hidden state of every token"));
            shapes.require(outputs, hiddenState, OnnxJavaType.FLOAT, 3, "output");
            long width = ((TensorInfo) outputs.get(hiddenState).getInfo()).getShape()[2];
            tokenizer = HfTokenizer.load(directory);
            String name = directory.getFileName() == null ? directory.toString() : directory.getFileName().toString();
            int maxInputTokens = maxInputTokens(config, tokenizerJson);
            ModelInfo info = new ModelInfo(name, directory, OnnxModel.BACKEND,
                    config == null ? "encoder" : config.path("model_type").asText("encoder"), tokenizer.vocabularySize(),
                    maxInputTokens, weightBytes, "onnxruntime " + OnnxModel.environment().getVersion(), threads, threads);
            OnnxEmbeddingModel model = new OnnxEmbeddingModel(info, tokenizer, session, hiddenState, takesTokenTypes,
                    (int) width, maxInputTokens, pooling(directory, options.pooling()), options.normalize());
            return width > 0 ? model : model.withProbedWidth();
        } catch (OrtException e) {
            closeAll(session, tokenizer, e);
            throw new ModelLoadException("cannot read the inputs and outputs of " + modelFile + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(session, tokenizer, e);
            throw e;
        }
    }

    private static void closeAll(OrtSession session, HfTokenizer tokenizer, Exception failure) {
        if (tokenizer != null) {
            tokenizer.close();
        }
        try {
            OnnxModel.closeSession(session);
        } catch (RuntimeException suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    /** A graph whose hidden width is dynamic tells it on its first run. */
    private OnnxEmbeddingModel withProbedWidth() {
        float[][][] hidden = run(List.of(tokenize("")), 1);
        return new OnnxEmbeddingModel(info, tokenizer, session, hiddenState, takesTokenTypes, hidden[0][0].length,
                maxInputTokens, pooling, normalize);
    }

    private static int maxInputTokens(JsonNode config, JsonNode tokenizerJson) {
        if (config != null && config.path("max_position_embeddings").canConvertToInt()
                && config.path("max_position_embeddings").intValue() > 0) {
            return config.path("max_position_embeddings").intValue();
        }
        int truncation = tokenizerJson.path("truncation").path("max_length").asInt(0);
        return truncation > 0 ? truncation : BERT_POSITIONS;
    }

    /** The requested pooling; for the model's own, what sentence-transformers' pooling config says, else mean. */
    private static Pooling pooling(Path directory, Pooling requested) {
        if (requested != Pooling.MODEL_DEFAULT) {
            return requested;
        }
        JsonNode config = Json.readOptional(directory.resolve("1_Pooling").resolve("config.json"));
        if (config == null || config.path("pooling_mode_mean_tokens").asBoolean(false)) {
            return Pooling.MEAN;
        }
        if (config.path("pooling_mode_cls_token").asBoolean(false)) {
            return Pooling.CLS;
        }
        if (config.path("pooling_mode_lasttoken").asBoolean(false)) {
            return Pooling.LAST;
        }
        throw new ModelLoadException(directory.resolve("1_Pooling").resolve("config.json")
                + " asks for a pooling this backend does not have (it has mean, cls and last): " + config);
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public int maxInputTokens() {
        return maxInputTokens;
    }

    @Override
    public int maxBatchInputs() {
        return MAX_BATCH_INPUTS;
    }

    @Override
    public Pooling pooling() {
        return pooling;
    }

    @Override
    public boolean normalized() {
        return normalize;
    }

    @Override
    public int[] tokenize(String text) {
        lifecycle.readLock().lock();
        try {
            checkOpen();
            return tokenizer.encode(text, true);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public List<float[]> embed(List<int[]> inputs) {
        EmbeddingInputs.check(inputs, info.vocabularySize(), maxInputTokens);
        Integer[] order = new Integer[inputs.size()];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt(i -> inputs.get(i).length));
        int[] lengths = new int[order.length];
        for (int k = 0; k < order.length; k++) {
            lengths[k] = inputs.get(order[k]).length;
        }
        float[][] embeddings = new float[inputs.size()][];
        int[] ends = passEnds(lengths);
        int start = 0;
        for (int end : ends) {
            List<int[]> pass = new ArrayList<>(end - start);
            for (int k = start; k < end; k++) {
                pass.add(inputs.get(order[k]));
            }
            float[][][] hidden = run(pass, lengths[end - 1]);
            for (int k = start; k < end; k++) {
                embeddings[order[k]] = pool(hidden[k - start], lengths[k]);
            }
            start = end;
        }
        return List.of(embeddings);
    }

    /**
     * Where to cut inputs sorted by length into passes, so that the passes cost least: a pass
     * costs {@value #PASS_COST_IN_TOKENS} tokens of work for running at all, plus its inputs padded
     * to its longest, so one pass of a short and a long input can cost more than two passes.
     * Dynamic programming over the cut points (at most {@value #MAX_BATCH_INPUTS} inputs and
     * {@value #MAX_PASS_TOKENS} padded tokens a pass).
     *
     * @return the exclusive end of every pass, in order
     */
    static int[] passEnds(int[] sortedLengths) {
        int n = sortedLengths.length;
        long[] cost = new long[n + 1]; // cost[j]: the cheapest way to run the first j inputs
        int[] cut = new int[n + 1];    // where the last pass of that way starts
        for (int j = 1; j <= n; j++) {
            cost[j] = Long.MAX_VALUE;
            for (int i = j - 1; i >= 0 && j - i <= MAX_BATCH_INPUTS; i--) {
                long padded = (long) (j - i) * sortedLengths[j - 1];
                if (padded > MAX_PASS_TOKENS && j - i > 1) {
                    break;
                }
                long candidate = cost[i] + PASS_COST_IN_TOKENS + padded;
                if (candidate < cost[j]) {
                    cost[j] = candidate;
                    cut[j] = i;
                }
            }
        }
        int passes = 0;
        for (int j = n; j > 0; j = cut[j]) {
            passes++;
        }
        int[] ends = new int[passes];
        for (int j = n, p = passes - 1; j > 0; j = cut[j], p--) {
            ends[p] = j;
        }
        return ends;
    }

    /** One pass: the hidden state of every token of every input, padded to {@code length}. */
    private float[][][] run(List<int[]> pass, int length) {
        int count = pass.size();
        long[] ids = new long[count * length];
        long[] mask = new long[count * length];
        for (int i = 0; i < count; i++) {
            int[] tokens = pass.get(i);
            for (int j = 0; j < tokens.length; j++) {
                ids[i * length + j] = tokens[j];
                mask[i * length + j] = 1;
            }
        }
        long[] shape = {count, length};
        OrtEnvironment environment = OnnxModel.environment();
        lifecycle.readLock().lock();
        try {
            checkOpen();
            Map<String, OnnxTensor> feeds = new HashMap<>();
            try {
                feeds.put("input_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape));
                feeds.put("attention_mask", OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape));
                if (takesTokenTypes) {
                    feeds.put("token_type_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(new long[ids.length]),
                            shape));
                }
                try (OrtSession.Result result = session.run(feeds, java.util.Set.of(hiddenState))) {
                    OnnxTensor output = (OnnxTensor) result.get(0);
                    long[] outShape = output.getInfo().getShape();
                    int width = (int) outShape[2];
                    FloatBuffer values = output.getFloatBuffer();
                    float[][][] hidden = new float[count][length][width];
                    for (int i = 0; i < count; i++) {
                        for (int j = 0; j < length; j++) {
                            values.get(hidden[i][j]);
                        }
                    }
                    return hidden;
                }
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        } catch (OrtException e) {
            throw new LlmException("ONNX Runtime failed to run " + info.name() + ": " + e.getMessage(), e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** The input's vector from its {@code tokens} rows (the rows after them are padding). */
    private float[] pool(float[][] rows, int tokens) {
        float[] vector = switch (pooling) {
            case CLS -> rows[0].clone();
            case LAST -> rows[tokens - 1].clone();
            case MEAN, MODEL_DEFAULT -> EmbeddingInputs.mean(j -> rows[j], tokens, rows[0].length);
        };
        if (normalize) {
            EmbeddingInputs.normalize(vector);
        }
        return vector;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the model is closed");
        }
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            tokenizer.close();
            OnnxModel.closeSession(session);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }
}
