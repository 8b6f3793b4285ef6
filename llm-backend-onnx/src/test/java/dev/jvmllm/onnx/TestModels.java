package dev.jvmllm.onnx;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchOutput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.gguf.RandomLlamaModel;
import dev.jvmllm.testing.TestAssets;

import java.nio.file.Files;
import java.nio.file.Path;

/** Models for the tests: a random llama written and converted on the spot, and stories260K where it exists. */
final class TestModels {

    private TestModels() {
    }

    /** Writes the default random llama GGUF into {@code dir} and converts it; returns the ONNX directory. */
    static Path convertedRandom(Path dir) {
        Path gguf = RandomLlamaModel.defaults().write(dir.resolve("random.gguf"));
        return GgufToOnnxConverter.convert(gguf, dir.resolve("random-onnx"));
    }

    /** The stories260K GGUF (see {@link TestAssets#stories()}). */
    static Path storiesGguf() {
        return TestAssets.stories();
    }

    /** Greedy continuation of one prompt on sequence 0 of a fresh processor: {@code count} tokens. */
    static int[] greedy(BatchProcessor processor, int sequence, int[] prompt, int count) {
        BatchInput batch = new BatchInput(prompt.length);
        batch.addAll(sequence, processor.nextPosition(sequence), prompt, 0, prompt.length, true);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            BatchOutput output = processor.process(batch);
            out[i] = output.row(0).argmax();
            batch.clear();
            batch.add(sequence, processor.nextPosition(sequence), out[i], true);
        }
        return out;
    }

    /** The first-step logits of a prompt. */
    static float[] firstLogits(BatchProcessor processor, int sequence, int[] prompt) {
        BatchInput batch = new BatchInput(prompt.length);
        batch.addAll(sequence, processor.nextPosition(sequence), prompt, 0, prompt.length, true);
        BatchOutput output = processor.process(batch);
        float[] logits = new float[output.row(0).size()];
        output.row(0).copyTo(logits);
        return logits;
    }

    /** The largest difference between two logit rows, relative to the largest magnitude in {@code expected}. */
    static double relativeError(float[] expected, float[] actual) {
        double max = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return max / scale;
    }
}
