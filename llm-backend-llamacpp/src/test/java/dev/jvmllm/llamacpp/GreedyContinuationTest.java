package dev.jvmllm.llamacpp;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** stories260K continues "Once upon a time" exactly as its model card says. */
class GreedyContinuationTest {

    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void continuesOnceUponATime(String library) {
        try (Model model = Libraries.open(TestModels.stories(), library);
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
