package dev.jvmllm.onnx;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.gguf.RandomLlamaModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The converted graph computes what a plain Java llama computes, prompt and decode steps alike. */
class ConvertedGraphMatchesReferenceTest {

    @Test
    void randomModelLogitsMatchTheReferenceAtEveryStep(@TempDir Path dir) {
        Path gguf = RandomLlamaModel.defaults().write(dir.resolve("random.gguf"));
        Path onnx = GgufToOnnxConverter.convert(gguf, dir.resolve("onnx"));
        ReferenceLlama reference = new ReferenceLlama(gguf);
        int[] prompt = {1, 300, 301, 302, 303};
        try (Model model = new OnnxBackend().open(onnx, ModelOptions.defaults());
             BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults().withContextSize(64))) {
            // the whole prompt in one pass: every row must match the reference's token-by-token logits
            BatchInput batch = new BatchInput(8);
            for (int i = 0; i < prompt.length; i++) {
                batch.add(0, i, prompt[i], true);
            }
            var output = processor.process(batch);
            assertThat(output.rows()).isEqualTo(prompt.length);
            float[] actual = new float[model.vocabularySize()];
            for (int i = 0; i < prompt.length; i++) {
                output.row(i).copyTo(actual);
                assertThat(TestModels.relativeError(reference.next(prompt[i]), actual)).isLessThan(1e-5);
            }
            // then decode steps on top of the cache
            int token = output.row(prompt.length - 1).argmax();
            for (int step = 0; step < 10; step++) {
                float[] expected = reference.next(token);
                batch.clear();
                batch.add(0, processor.nextPosition(0), token, true);
                processor.process(batch).row(0).copyTo(actual);
                assertThat(TestModels.relativeError(expected, actual)).isLessThan(1e-5);
                token = argmax(expected);
            }
            assertThat(processor.nextPosition(0)).isEqualTo(prompt.length + 10);
        }
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
