package dev.jvmllm.llamacpp;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.ProcessorOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** stories260K continues "Once upon a time" exactly as its model card says. */
class GreedyContinuationTest {

    @Test
    void continuesOnceUponATime() {
        try (Model model = new LlamaCppBackend().open(TestModels.stories(), ModelOptions.defaults());
             BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            int[] prompt = model.tokenize("Once upon a time", true);
            assertThat(prompt).containsExactly(1, 403, 407, 261, 378);

            int[] generated = Greedy.generate(processor, 0, prompt, 60);

            String text = model.detokenize(generated);
            assertThat(text).startsWith(TestModels.ONCE_UPON_A_TIME);
            assertThat(processor.nextPosition(0)).isEqualTo(prompt.length + generated.length - 1);
        }
    }
}
