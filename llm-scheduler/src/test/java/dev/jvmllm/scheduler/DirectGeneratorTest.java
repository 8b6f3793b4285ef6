package dev.jvmllm.scheduler;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.Prompt;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.FakeProcessor;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DirectGeneratorTest {
    private final FakeModel model = new FakeModel(Script.mixing());

    @Test
    void generatesTheGreedyTokensOneStepEach() {
        FakeProcessor processor = processor(ProcessorOptions.defaults());
        int[] prompt = model.tokenize("hello", true);

        GenerationResult result = new DirectGenerator(processor).generate(greedy("hello", 12));

        int[] expected = model.expected(prompt, 12);
        assertThat(result.tokens()).containsExactly(expected);
        assertThat(result.text()).isEqualTo(model.detokenize(expected));
        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(result.promptTokens()).isEqualTo(6);
        // one pass for the prompt, then one per token but the last, which is never fed back
        assertThat(processor.callLog()).extracting(FakeProcessor.Call::size)
                .containsExactly(6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        assertThat(processor.releases()).containsExactly(new FakeProcessor.Release(12, 0));
    }

    @Test
    void splitsALongPromptIntoChunksOfTheBatchSize() {
        FakeProcessor processor = processor(ProcessorOptions.defaults().withMaxBatchTokens(8));
        String prompt = "twenty characters!!!";

        GenerationResult result = new DirectGenerator(processor).generate(greedy(prompt, 4));

        assertThat(result.tokens()).containsExactly(model.expected(model.tokenize(prompt, true), 4));
        assertThat(processor.callLog()).extracting(FakeProcessor.Call::size).containsExactly(8, 8, 5, 1, 1, 1);
    }

    @Test
    void reportsEveryTokenThenOneFinishedEvent() {
        RecordingListener listener = new RecordingListener();

        GenerationResult result = new DirectGenerator(processor(ProcessorOptions.defaults()))
                .generate(greedy("abc", 5), listener);

        List<GenerationEvent> events = listener.events();
        assertThat(events).hasSize(6);
        for (int i = 0; i < 5; i++) {
            GenerationEvent.Token token = (GenerationEvent.Token) events.get(i);
            assertThat(token.index()).isEqualTo(i);
            assertThat(token.id()).isEqualTo(result.tokens()[i]);
        }
        assertThat(events.getLast()).isEqualTo(new GenerationEvent.Finished(result));
        assertThat(String.join("", listener.deltas())).isEqualTo(result.text());
    }

    @Test
    void generateAllGivesWhatEachRequestGivesAlone() {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            requests.add(greedy(Fixtures.PROMPTS.get(i), 3 + 4 * i));
        }
        FakeProcessor processor = processor(ProcessorOptions.defaults().withMaxSequences(2));

        List<GenerationResult> together = new DirectGenerator(processor).generateAll(requests);

        for (int i = 0; i < requests.size(); i++) {
            GenerationResult alone = new DirectGenerator(processor(ProcessorOptions.defaults())).generate(requests.get(i));
            assertThat(together.get(i).tokens()).as("request %d", i).containsExactly(alone.tokens());
            assertThat(together.get(i).text()).isEqualTo(alone.text());
        }
        // two sequences decode side by side, and the next request starts as soon as one frees up
        assertThat(processor.callLog()).allSatisfy(call -> assertThat(call.sequences()).doesNotContain(2));
        assertThat(processor.callLog().get(1).tokensOf(0)).isEqualTo(1);
        assertThat(processor.callLog().get(1).tokensOf(1)).isEqualTo(1);
        assertThat(processor.releases()).hasSize(5);
    }

    @Test
    void stopsWhenTheContextIsFull() {
        FakeProcessor processor = processor(ProcessorOptions.defaults().withContextSize(16));

        GenerationResult result = new DirectGenerator(processor).generate(greedy("123456789", 100));

        // 10 prompt tokens (BOS and 9 bytes) leave room for 6 generated ones
        assertThat(result.tokens()).hasSize(6);
        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void refusesPromptsThatCannotRunBeforeAnyWork() {
        FakeProcessor processor = processor(ProcessorOptions.defaults().withContextSize(16));
        DirectGenerator generator = new DirectGenerator(processor);

        assertThatThrownBy(() -> generator.generate(greedy(Prompt.tokens(), 4)))
                .isInstanceOf(dev.jvmllm.api.InvalidRequestException.class)
                .hasMessage("the prompt is empty: it needs at least one token");
        assertThatThrownBy(() -> generator.generate(greedy("0123456789abcde", 4)))
                .isInstanceOf(dev.jvmllm.api.InvalidRequestException.class)
                .hasMessage("the prompt has 16 tokens but a sequence holds 16 tokens, so at most 15 fit"
                        + " (one place is needed for a generated token)");
        assertThatThrownBy(() -> generator.generate(greedy(Prompt.tokens(1, 5, 900), 4)))
                .isInstanceOf(dev.jvmllm.api.InvalidRequestException.class)
                .hasMessage("prompt token 900 at index 2 is outside the vocabulary (0..258)");
        assertThatThrownBy(() -> generator.generateAll(List.of(greedy("fine", 2), greedy(Prompt.tokens(), 2))))
                .isInstanceOf(dev.jvmllm.api.InvalidRequestException.class);
        assertThat(processor.calls()).isZero();
    }

    @Test
    void aFailingForwardPassFailsTheGenerationAndReleasesItsSequence() {
        FakeProcessor processor = processor(ProcessorOptions.defaults());
        processor.hook(call -> {
            if (call == 3) {
                throw new IllegalStateException("device lost");
            }
        });
        RecordingListener listener = new RecordingListener();

        assertThatThrownBy(() -> new DirectGenerator(processor).generate(greedy("abc", 10), listener))
                .isInstanceOf(LlmException.class)
                .hasMessage("the forward pass failed: java.lang.IllegalStateException: device lost");
        assertThat(listener.tokenIds()).hasSize(2);
        assertThat(listener.last()).isInstanceOf(GenerationEvent.Failed.class);
        assertThat(processor.releases()).containsExactly(new FakeProcessor.Release(3, 0));
    }

    private FakeProcessor processor(ProcessorOptions options) {
        BatchProcessor processor = model.newBatchProcessor(options);
        return (FakeProcessor) processor;
    }
}
