package dev.jvmllm.scheduler;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.api.TokenLogprob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Log-probabilities of generated tokens on the real stories260K model, direct and scheduled. */
class LogprobsTest {
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
    void aGreedyTokenIsAlwaysTheMostLikelyAndTheWholeVocabularyAddsUpToOne() {
        int vocabulary = model.vocabularySize();
        GenerationRequest request = GenerationRequest.of("Once upon a time", SamplingParams.greedy(24))
                .withLogprobs(vocabulary);
        List<GenerationEvent.Token> events = new ArrayList<>();
        GenerationResult result;
        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            result = new DirectGenerator(processor).generate(request, event -> {
                if (event instanceof GenerationEvent.Token token) {
                    events.add(token);
                }
            });
        }
        int[] tokens = result.tokens();
        assertThat(result.logprobs()).hasSize(tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            TokenLogprob logprob = result.logprobs().get(i);
            assertThat(logprob.token()).isEqualTo(tokens[i]);
            assertThat(logprob.top()).hasSize(vocabulary);
            assertThat(logprob.top().getFirst().token()).as("token %d", i).isEqualTo(tokens[i]);
            assertThat(logprob.top().getFirst().logprob()).isEqualTo(logprob.logprob());
            assertThat(logprob.logprob()).isNegative();
            double sum = logprob.top().stream().mapToDouble(c -> Math.exp(c.logprob())).sum();
            assertThat(sum).as("token %d", i).isCloseTo(1.0, within(1e-4));
            assertThat(events.get(i).logprob()).contains(logprob);
        }
    }

    @Test
    void theScheduledPathReportsWhatTheDirectPathDoes() {
        GenerationRequest request = GenerationRequest.of("The cat", SamplingParams.greedy(16)).withLogprobs(5);
        GenerationResult direct;
        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults().withMaxSequences(4))) {
            direct = new DirectGenerator(processor).generate(request);
        }
        try (Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults().withMaxSequences(4))) {
            GenerationResult scheduled = scheduler.submit(request).result().join();
            assertThat(scheduled.logprobs()).hasSize(16);
            for (int i = 0; i < 16; i++) {
                assertThat(scheduled.logprobs().get(i).token()).isEqualTo(direct.logprobs().get(i).token());
                assertThat(scheduled.logprobs().get(i).logprob()).isCloseTo(direct.logprobs().get(i).logprob(), within(1e-5));
                assertThat(scheduled.logprobs().get(i).top()).extracting(TokenLogprob.Candidate::token)
                        .isEqualTo(direct.logprobs().get(i).top().stream().map(TokenLogprob.Candidate::token).toList());
            }
        }
        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            GenerationResult without = new DirectGenerator(processor)
                    .generate(GenerationRequest.of("The cat", SamplingParams.greedy(4)));
            assertThat(without.logprobs()).isEmpty();
        }
    }

    @Test
    void moreCandidatesThanTokensAreRefusedBeforeAnyWork() {
        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            GenerationRequest request = GenerationRequest.of("The cat", SamplingParams.greedy(4))
                    .withLogprobs(model.vocabularySize() + 1);
            assertThatThrownBy(() -> new DirectGenerator(processor).generate(request))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("the request asks for 513 top log-probabilities, but the vocabulary has 512 tokens");
        }
    }
}
