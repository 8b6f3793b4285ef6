package dev.jvmllm.scheduler;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.OutputConstraint;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.api.TokenMatcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Output constraints on the real stories260K model: the scheduler samples only what the
 * constraint allows, ends when it is complete, and leaves unconstrained requests of the same
 * batches as they would be alone.
 */
class ConstraintTest {
    /** Text the model would hardly write by itself: most free draws are refused. */
    private static final String FORCED = " The zebra said: 42!";
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
    void aSampledGenerationProducesExactlyWhatTheConstraintAllowsAndStopsWhenItIsComplete() {
        Literal literal = new Literal(FORCED);
        SamplingParams sampling = SamplingParams.builder().temperature(1.0).seed(7).maxTokens(64).build();
        GenerationRequest request = GenerationRequest.of("Once upon a time", sampling).withConstraint(literal);
        GenerationResult result;
        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            result = new DirectGenerator(processor).generate(request);
        }
        assertThat(result.text()).isEqualTo(FORCED);
        assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(literal.refusals.get()).as("free draws the constraint refused").isPositive();
        assertThat(literal.masks.get()).isEqualTo(literal.refusals.get());
    }

    @Test
    void constrainedAndFreeRequestsShareBatchesWithoutChangingTheFreeOnes() {
        GenerationRequest free = GenerationRequest.of("The little dog", SamplingParams.greedy(32));
        GenerationResult alone;
        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            alone = new DirectGenerator(processor).generate(free);
        }
        try (Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults().withMaxSequences(4))) {
            SamplingParams sampling = SamplingParams.builder().temperature(0.8).seed(3).maxTokens(64).build();
            var constrained = List.of(
                    scheduler.submit(GenerationRequest.of("Once", sampling).withConstraint(new Literal(FORCED))),
                    scheduler.submit(GenerationRequest.of("A bird", sampling).withConstraint(new Literal(" yes")))
            );
            var unconstrained = scheduler.submit(free);
            assertThat(constrained.get(0).result().join().text()).isEqualTo(FORCED);
            assertThat(constrained.get(1).result().join().text()).isEqualTo(" yes");
            GenerationResult together = unconstrained.result().join();
            assertThat(together.tokens()).containsExactly(alone.tokens());
        }
    }

    /** A constraint that allows exactly one text: each token must be a prefix of what is left of it. */
    private static final class Literal implements OutputConstraint {
        private final byte[] text;
        final AtomicInteger refusals = new AtomicInteger();
        final AtomicInteger masks = new AtomicInteger();

        Literal(String text) {
            this.text = text.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String describe() {
            return "literal";
        }

        @Override
        public TokenMatcher start(Model model) {
            return new TokenMatcher() {
                private int matched;

                @Override
                public boolean allows(int token) {
                    boolean allowed = fits(token);
                    if (!allowed) {
                        refusals.incrementAndGet();
                    }
                    return allowed;
                }

                private boolean fits(int token) {
                    if (model.isEndOfGeneration(token)) {
                        return matched == text.length;
                    }
                    byte[] piece = model.tokenBytes(token);
                    return piece.length > 0 && matched + piece.length <= text.length
                            && Arrays.equals(piece, 0, piece.length, text, matched, matched + piece.length);
                }

                @Override
                public void allowedTokens(BitSet allowed) {
                    masks.incrementAndGet();
                    for (int token = 0; token < model.vocabularySize(); token++) {
                        if (fits(token)) {
                            allowed.set(token);
                        }
                    }
                }

                @Override
                public void accept(int token) {
                    if (!fits(token)) {
                        throw new IllegalStateException("token " + token + " is not allowed");
                    }
                    matched += model.tokenBytes(token).length;
                }

                @Override
                public boolean isComplete() {
                    return matched == text.length;
                }
            };
        }
    }
}
