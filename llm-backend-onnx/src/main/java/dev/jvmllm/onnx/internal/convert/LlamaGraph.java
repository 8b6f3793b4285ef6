package dev.jvmllm.onnx.internal.convert;

import dev.jvmllm.onnx.internal.graph.OnnxGraph;
import dev.jvmllm.onnx.internal.graph.OnnxGraph.Attribute;
import dev.jvmllm.onnx.internal.graph.OnnxGraph.ElementType;

import java.util.List;

/**
 * Builds the ONNX graph of a llama decoder with a KV cache, in the layout Hugging Face Optimum
 * exports: inputs {@code input_ids}, {@code attention_mask}, {@code position_ids} and
 * {@code past_key_values.N.key/value}; outputs {@code logits} and {@code present.N.key/value}.
 *
 * <p>It computes what llama.cpp computes for the same GGUF tensors, in float32: RMS norm, RoPE
 * in llama.cpp's "normal" mode (adjacent pairs {@code (x[2i], x[2i+1])} rotate together, which
 * is the order {@code convert_hf_to_gguf} permutes Q and K into), grouped-query attention, SwiGLU.
 *
 * <p>Attention masking follows the Hugging Face convention: query {@code i} of the new tokens sees
 * key slot {@code j} when {@code j <= past_length + i} and {@code attention_mask[j] == 1}. Slots are
 * KV-cache places, not positions (those come from {@code position_ids}), so a caller may leave
 * masked holes anywhere in the past: that is what lets sequences of different lengths share a batch.
 *
 * <p>Grouped-query attention is computed without repeating K and V: the query heads that share a
 * KV head are folded into the query-length axis ({@code [B, kvHeads, group * S, headDim]}), so one
 * MatMul per KV head serves its whole group.
 */
public final class LlamaGraph {
    /** ONNX opset of the nodes; 17 has every op used here and is read by all current runtimes. */
    public static final int OPSET = 17;
    /** Added to the scores of masked slots; finite so that a fully masked padding row stays free of NaN. */
    private static final float MASKED = -1e30f;

    /** Where the weights come from: GGUF tensors by name, in ggml order. */
    public interface Weights {
        /** The tensor's values in ggml order (the first dimension varies fastest). */
        float[] read(String name);

        /** Whether the tensor exists. */
        boolean has(String name);
    }

    private final LlamaHyperparameters p;
    private final Weights weights;
    private final OnnxGraph g = new OnnxGraph("llama");
    private String attentionScale;
    private String rmsEpsilon;

    private LlamaGraph(LlamaHyperparameters p, Weights weights) {
        this.p = p;
        this.weights = weights;
    }

    /** The graph of a decoder with these hyperparameters; weights are read when the graph is written. */
    public static OnnxGraph build(LlamaHyperparameters p, Weights weights) {
        return new LlamaGraph(p, weights).build();
    }

    /** The name of layer {@code layer}'s past key (or value) input, as Optimum names it. */
    public static String pastName(int layer, boolean key) {
        return "past_key_values." + layer + (key ? ".key" : ".value");
    }

    /** The name of layer {@code layer}'s present key (or value) output, as Optimum names it. */
    public static String presentName(int layer, boolean key) {
        return "present." + layer + (key ? ".key" : ".value");
    }

    private OnnxGraph build() {
        declareInputsAndOutputs();
        attentionScale = g.floatConstant("attention_scale", new long[0], (float) (1 / Math.sqrt(p.headDim())));
        rmsEpsilon = g.floatConstant("rms_epsilon", new long[0], p.rmsEpsilon());
        String bias = attentionBias();
        String[] rope = ropeCosSin();
        String x = g.node("Gather", List.of(embedding(), "input_ids"), Attribute.of("axis", 0L));
        for (int layer = 0; layer < p.blockCount(); layer++) {
            x = block(layer, x, bias, rope[0], rope[1]);
        }
        String normed = rmsNorm(x, vector("output_norm.weight"));
        g.namedNode("MatMul", "logits", List.of(normed, outputProjection()));
        return g;
    }

    private void declareInputsAndOutputs() {
        g.input("input_ids", ElementType.INT64, "batch_size", "sequence_length");
        g.input("attention_mask", ElementType.INT64, "batch_size", "total_sequence_length");
        g.input("position_ids", ElementType.INT64, "batch_size", "sequence_length");
        long kvHeads = p.headCountKv();
        long headDim = p.headDim();
        for (int layer = 0; layer < p.blockCount(); layer++) {
            for (boolean key : new boolean[] {true, false}) {
                g.input(pastName(layer, key), ElementType.FLOAT, "batch_size", kvHeads, "past_sequence_length", headDim);
            }
        }
        g.output("logits", ElementType.FLOAT, "batch_size", "sequence_length", (long) p.vocabularySize());
        for (int layer = 0; layer < p.blockCount(); layer++) {
            for (boolean key : new boolean[] {true, false}) {
                g.output(presentName(layer, key), ElementType.FLOAT, "batch_size", kvHeads, "total_sequence_length",
                        headDim);
            }
        }
    }

    /** The additive mask {@code [B, 1, group * S, T]}: 0 where a query may look, {@link #MASKED} elsewhere. */
    private String attentionBias() {
        String zero = g.longConstant("const_zero", new long[0], 0);
        String one = g.longConstant("const_one", new long[0], 1);
        String newCount = g.node("Gather", List.of(g.node("Shape", List.of("input_ids")), one), Attribute.of("axis", 0L));
        String total = g.node("Gather", List.of(g.node("Shape", List.of("attention_mask")), one), Attribute.of("axis", 0L));
        String past = g.node("Sub", List.of(total, newCount));
        String querySlots = g.node("Range", List.of(past, total, one));
        String keySlots = g.node("Range", List.of(zero, total, one));
        String causal = g.node("LessOrEqual", List.of(
                g.node("Unsqueeze", List.of(keySlots, g.longs("axes_0", 0))),
                g.node("Unsqueeze", List.of(querySlots, g.longs("axes_1", 1)))));
        String present = g.node("Unsqueeze", List.of(
                g.node("Cast", List.of("attention_mask"), Attribute.of("to", ElementType.BOOL.code())),
                g.longs("axes_1_2", 1, 2)));
        String allowed = g.node("And", List.of(causal, present));
        String bias = g.node("Where", List.of(allowed,
                g.floatConstant("const_attend", new long[0], 0f),
                g.floatConstant("const_masked", new long[0], MASKED)));
        if (p.groupSize() == 1) {
            return bias;
        }
        return g.node("Tile", List.of(bias, g.longs("tile_group", 1, 1, p.groupSize(), 1)));
    }

    /** cos and sin of every (token, rotated pair), shaped {@code [B, 1, S, headDim/2, 1]} to broadcast over heads. */
    private String[] ropeCosSin() {
        int half = p.headDim() / 2;
        float[] inverseFrequency = new float[half];
        // llama.cpp: theta_scale = base^(-2/n_rot), pair i turns by pos * freq_scale * theta_scale^i
        float thetaScale = (float) Math.pow(p.ropeFreqBase(), -2.0 / p.headDim());
        float theta = p.ropeFreqScale();
        for (int i = 0; i < half; i++) {
            inverseFrequency[i] = theta;
            theta *= thetaScale;
        }
        String positions = g.node("Cast", List.of("position_ids"), Attribute.of("to", ElementType.FLOAT.code()));
        String angles = g.node("Mul", List.of(
                g.node("Unsqueeze", List.of(positions, g.longs("axes_2", 2))),
                g.floatConstant("rope_inverse_frequency", new long[] {half}, inverseFrequency)));
        String axes = g.longs("axes_1_4", 1, 4);
        return new String[] {
                g.node("Unsqueeze", List.of(g.node("Cos", List.of(angles)), axes)),
                g.node("Unsqueeze", List.of(g.node("Sin", List.of(angles)), axes))};
    }

    private String block(int layer, String x, String bias, String cos, String sin) {
        String prefix = "blk." + layer + ".";
        int embedding = p.embeddingLength();
        int kvHeads = p.headCountKv();
        int headDim = p.headDim();
        int queryWidth = p.headCount() * headDim;
        String h = rmsNorm(x, vector(prefix + "attn_norm.weight"));
        String q = rope(heads(project(h, prefix + "attn_q.weight", embedding, queryWidth), p.headCount()), cos, sin);
        String k = rope(heads(project(h, prefix + "attn_k.weight", embedding, kvHeads * headDim), kvHeads), cos, sin);
        String v = heads(project(h, prefix + "attn_v.weight", embedding, kvHeads * headDim), kvHeads);
        String keys = g.namedNode("Concat", presentName(layer, true), List.of(pastName(layer, true), k),
                Attribute.of("axis", 2L));
        String values = g.namedNode("Concat", presentName(layer, false), List.of(pastName(layer, false), v),
                Attribute.of("axis", 2L));

        String scaledQ = g.node("Mul", List.of(q, attentionScale));
        String groupedQ = g.node("Reshape", List.of(scaledQ, g.longs("shape_grouped_q_" + layer, 0, kvHeads, -1, headDim)));
        String scores = g.node("MatMul", List.of(groupedQ,
                g.node("Transpose", List.of(keys), Attribute.ints("perm", 0, 1, 3, 2))));
        String probabilities = g.node("Softmax", List.of(g.node("Add", List.of(scores, bias))), Attribute.of("axis", -1L));
        String context = g.node("Reshape", List.of(g.node("MatMul", List.of(probabilities, values)),
                g.longs("shape_heads_" + layer, 0, p.headCount(), -1, headDim)));
        String merged = g.node("Reshape", List.of(
                g.node("Transpose", List.of(context), Attribute.ints("perm", 0, 2, 1, 3)),
                g.longs("shape_merged_" + layer, 0, 0, queryWidth)));
        x = g.node("Add", List.of(x, project(merged, prefix + "attn_output.weight", queryWidth, embedding)));

        String f = rmsNorm(x, vector(prefix + "ffn_norm.weight"));
        int hidden = p.feedForwardLength();
        String gate = project(f, prefix + "ffn_gate.weight", embedding, hidden);
        String up = project(f, prefix + "ffn_up.weight", embedding, hidden);
        String activated = g.node("Mul", List.of(g.node("Mul", List.of(gate, g.node("Sigmoid", List.of(gate)))), up));
        return g.node("Add", List.of(x, project(activated, prefix + "ffn_down.weight", hidden, embedding)));
    }

    private String project(String x, String weight, int inputs, int outputs) {
        return g.node("MatMul", List.of(x, matrix(weight, weight, inputs, outputs)));
    }

    /** {@code [B, S, heads * headDim]} to {@code [B, heads, S, headDim]}. */
    private String heads(String projected, int headCount) {
        String split = g.node("Reshape", List.of(projected, g.longs(projected + "_shape", 0, 0, headCount, p.headDim())));
        return g.node("Transpose", List.of(split), Attribute.ints("perm", 0, 2, 1, 3));
    }

    /** Rotates adjacent pairs of {@code [B, H, S, headDim]} by the token's angles. */
    private String rope(String x, String cos, String sin) {
        int half = p.headDim() / 2;
        String pairs = g.node("Reshape", List.of(x, g.longs(x + "_pairs", 0, 0, 0, half, 2)));
        List<String> parts = g.nodeWithOutputs("Split", List.of(pairs), 2, Attribute.of("axis", 4L));
        String even = parts.get(0);
        String odd = parts.get(1);
        String rotatedEven = g.node("Sub", List.of(g.node("Mul", List.of(even, cos)), g.node("Mul", List.of(odd, sin))));
        String rotatedOdd = g.node("Add", List.of(g.node("Mul", List.of(even, sin)), g.node("Mul", List.of(odd, cos))));
        String joined = g.node("Concat", List.of(rotatedEven, rotatedOdd), Attribute.of("axis", 4L));
        return g.node("Reshape", List.of(joined, g.longs(x + "_unpaired", 0, 0, 0, p.headDim())));
    }

    private String rmsNorm(String x, String weight) {
        String meanSquare = g.node("ReduceMean", List.of(g.node("Mul", List.of(x, x))),
                Attribute.ints("axes", -1), Attribute.of("keepdims", 1L));
        String rms = g.node("Sqrt", List.of(g.node("Add", List.of(meanSquare, rmsEpsilon))));
        return g.node("Mul", List.of(g.node("Div", List.of(x, rms)), weight));
    }

    private String embedding() {
        long[] dims = {p.vocabularySize(), p.embeddingLength()};
        // ggml's [n_embd, n_vocab] is row-major [n_vocab][n_embd]: already Gather's row-per-token layout
        return g.floats("token_embd.weight", dims, () -> weights.read("token_embd.weight"));
    }

    /** The output projection; models with tied embeddings reuse the token embedding. */
    private String outputProjection() {
        String source = weights.has("output.weight") ? "output.weight" : "token_embd.weight";
        return matrix(source, "output.weight", p.embeddingLength(), p.vocabularySize());
    }

    /**
     * A ggml weight {@code [in, out]} (row-major {@code [out][in]}) as the {@code [in, out]} right
     * operand of MatMul: transposed once here so that no forward pass needs a Transpose.
     */
    private String matrix(String source, String tensorName, int inputs, int outputs) {
        return g.floats(tensorName, new long[] {inputs, outputs}, () -> transpose(weights.read(source), outputs, inputs));
    }

    private String vector(String name) {
        return g.floats(name, new long[] {p.embeddingLength()}, () -> weights.read(name));
    }

    /** Transposes a row-major {@code [rows][cols]} matrix. */
    static float[] transpose(float[] values, int rows, int cols) {
        if ((long) rows * cols != values.length) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " matrix needs " + (long) rows * cols
                    + " values, got " + values.length);
        }
        float[] out = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = values[r * cols + c];
            }
        }
        return out;
    }
}
