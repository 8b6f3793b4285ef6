package dev.jvmllm.scheduler;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static org.assertj.core.api.Assertions.assertThat;

/** The direct path on the real stories260K model. */
class StoriesDirectTest {
    private static Model model;

    @BeforeAll
    static void open() {
        model = StoriesModel.openOrSkip();
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void greedyDecodingContinuesTheStoryAsLlamaCppDoes() {
        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            GenerationResult result = new DirectGenerator(processor).generate(greedy("Once upon a time", 40));

            assertThat(result.text()).startsWith(", there was a little girl named Lily. She loved to play outside in the park.");
            assertThat(result.completionTokens()).isEqualTo(40);
            assertThat(model.detokenize(result.tokens())).isEqualTo(result.text());
        }
    }

    @Test
    void generateAllGivesWhatGenerateGivesForEachPrompt() {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            requests.add(greedy(Fixtures.PROMPTS.get(i), 8 + 5 * i));
        }
        List<GenerationResult> together;
        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults().withMaxSequences(8))) {
            together = new DirectGenerator(processor).generateAll(requests);
        }

        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            DirectGenerator generator = new DirectGenerator(processor);
            for (int i = 0; i < requests.size(); i++) {
                GenerationResult alone = generator.generate(requests.get(i));
                assertThat(together.get(i).tokens()).as("prompt %d", i).containsExactly(alone.tokens());
                assertThat(together.get(i).text()).isEqualTo(alone.text());
            }
        }
    }

    @Test
    void aPromptPrefilledInSmallChunksGivesTheSameTokens() {
        GenerationRequest request = greedy("In the forest there lived a wise old owl who knew every tree", 24);
        int[] whole;
        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            whole = new DirectGenerator(processor).generate(request).tokens();
        }
        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults().withMaxBatchTokens(3))) {
            assertThat(new DirectGenerator(processor).generate(request).tokens()).containsExactly(whole);
        }
    }
}
