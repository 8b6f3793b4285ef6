package dev.jvmllm.onnx;

import dev.jvmllm.gguf.GgufFile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A deliberately plain llama forward pass over a GGUF file, one token at a time, written from the
 * llama.cpp definition (RMS norm, adjacent-pair RoPE, grouped-query attention, SwiGLU). An oracle
 * for the converted graph that needs neither llama.cpp nor the shared model.
 */
final class ReferenceLlama {
    private final GgufFile file;
    private final int embedding;
    private final int hidden;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float epsilon;
    private final double base;
    private final int vocabulary;
    private final List<List<float[]>> keys = new ArrayList<>();
    private final List<List<float[]>> values = new ArrayList<>();

    ReferenceLlama(Path gguf) {
        file = GgufFile.open(gguf);
        embedding = file.getInt("llama.embedding_length").orElseThrow();
        hidden = file.getInt("llama.feed_forward_length").orElseThrow();
        layers = file.getInt("llama.block_count").orElseThrow();
        heads = file.getInt("llama.attention.head_count").orElseThrow();
        kvHeads = file.getInt("llama.attention.head_count_kv").orElse(heads);
        headDim = embedding / heads;
        epsilon = (float) file.getDouble("llama.attention.layer_norm_rms_epsilon").orElseThrow();
        base = file.getDouble("llama.rope.freq_base").orElse(10000);
        vocabulary = file.getStringArray("tokenizer.ggml.tokens").orElseThrow().size();
        for (int l = 0; l < layers; l++) {
            keys.add(new ArrayList<>());
            values.add(new ArrayList<>());
        }
    }

    /** The logits after appending {@code token} at the next position. */
    float[] next(int token) {
        int position = keys.getFirst().size();
        float[] x = new float[embedding];
        System.arraycopy(weight("token_embd.weight"), token * embedding, x, 0, embedding);
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            float[] h = rmsNorm(x, weight(p + "attn_norm.weight"));
            float[] q = rope(matVec(weight(p + "attn_q.weight"), h, heads * headDim), position);
            float[] k = rope(matVec(weight(p + "attn_k.weight"), h, kvHeads * headDim), position);
            float[] v = matVec(weight(p + "attn_v.weight"), h, kvHeads * headDim);
            keys.get(l).add(k);
            values.get(l).add(v);
            float[] context = new float[heads * headDim];
            for (int head = 0; head < heads; head++) {
                int kvHead = head / (heads / kvHeads);
                double[] scores = new double[position + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t <= position; t++) {
                    double s = 0;
                    for (int d = 0; d < headDim; d++) {
                        s += q[head * headDim + d] * keys.get(l).get(t)[kvHead * headDim + d];
                    }
                    scores[t] = s / Math.sqrt(headDim);
                    max = Math.max(max, scores[t]);
                }
                double sum = 0;
                for (int t = 0; t <= position; t++) {
                    scores[t] = Math.exp(scores[t] - max);
                    sum += scores[t];
                }
                for (int t = 0; t <= position; t++) {
                    for (int d = 0; d < headDim; d++) {
                        context[head * headDim + d] += (float) (scores[t] / sum * values.get(l).get(t)[kvHead * headDim + d]);
                    }
                }
            }
            add(x, matVec(weight(p + "attn_output.weight"), context, embedding));
            float[] f = rmsNorm(x, weight(p + "ffn_norm.weight"));
            float[] gate = matVec(weight(p + "ffn_gate.weight"), f, hidden);
            float[] up = matVec(weight(p + "ffn_up.weight"), f, hidden);
            for (int i = 0; i < hidden; i++) {
                gate[i] = (float) (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
            }
            add(x, matVec(weight(p + "ffn_down.weight"), gate, embedding));
        }
        return matVec(weight("output.weight"), rmsNorm(x, weight("output_norm.weight")), vocabulary);
    }

    private float[] weight(String name) {
        return file.readF32(file.tensor(name).orElseThrow());
    }

    /** ggml's [in, out] weight is row-major [out][in]: out[o] = sum_i w[o][i] * x[i]. */
    private static float[] matVec(float[] w, float[] x, int outputs) {
        float[] out = new float[outputs];
        for (int o = 0; o < outputs; o++) {
            double sum = 0;
            for (int i = 0; i < x.length; i++) {
                sum += w[o * x.length + i] * x[i];
            }
            out[o] = (float) sum;
        }
        return out;
    }

    private float[] rmsNorm(float[] x, float[] weight) {
        double sum = 0;
        for (float v : x) {
            sum += v * v;
        }
        float scale = (float) (1 / Math.sqrt(sum / x.length + epsilon));
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * weight[i];
        }
        return out;
    }

    private float[] rope(float[] x, int position) {
        for (int start = 0; start < x.length; start += headDim) {
            for (int i = 0; i < headDim / 2; i++) {
                double theta = position * Math.pow(base, -2.0 * i / headDim);
                float a = x[start + 2 * i];
                float b = x[start + 2 * i + 1];
                x[start + 2 * i] = (float) (a * Math.cos(theta) - b * Math.sin(theta));
                x[start + 2 * i + 1] = (float) (a * Math.sin(theta) + b * Math.cos(theta));
            }
        }
        return x;
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
