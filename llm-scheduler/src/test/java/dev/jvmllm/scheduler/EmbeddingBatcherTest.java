package dev.jvmllm.scheduler;

import dev.jvmllm.api.EmbeddingModel;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.ModelInfo;
import dev.jvmllm.api.Pooling;
import dev.jvmllm.api.QueueFullException;
import dev.jvmllm.api.SchedulerClosedException;
import dev.jvmllm.spi.EmbeddingInputs;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddingBatcherTest {

    /** Embeds an input as {first token, length}; the first pass waits for {@link #release}, so others queue. */
    private static final class GatedModel implements EmbeddingModel {
        final List<Integer> passSizes = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch firstPassStarted = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile RuntimeException failNextPass;

        @Override
        public ModelInfo info() {
            return new ModelInfo("gated", Path.of("gated"), "fake", "fake", 100, 16, 0, "none", 1, 1);
        }

        @Override
        public int dimensions() {
            return 2;
        }

        @Override
        public int maxInputTokens() {
            return 16;
        }

        @Override
        public int maxBatchInputs() {
            return 8;
        }

        @Override
        public Pooling pooling() {
            return Pooling.MEAN;
        }

        @Override
        public boolean normalized() {
            return false;
        }

        @Override
        public int[] tokenize(String text) {
            return text.chars().map(c -> c % 100).toArray();
        }

        @Override
        public List<float[]> embed(List<int[]> inputs) {
            EmbeddingInputs.check(inputs, vocabularySize(), maxInputTokens());
            firstPassStarted.countDown();
            try {
                assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            passSizes.add(inputs.size());
            RuntimeException failure = failNextPass;
            failNextPass = null;
            if (failure != null) {
                throw failure;
            }
            return inputs.stream().map(input -> new float[] {input[0], input.length}).toList();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void requestsThatQueueDuringAPassShareTheNextOne() throws Exception {
        GatedModel model = new GatedModel();
        try (EmbeddingBatcher batcher = EmbeddingBatcher.start(model)) {
            CompletableFuture<List<float[]>> first = batcher.submit(List.of(new int[] {1}));
            assertThat(model.firstPassStarted.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<List<float[]>> second = batcher.submit(List.of(new int[] {2, 2}, new int[] {3, 3, 3}));
            CompletableFuture<List<float[]>> third = batcher.submit(List.of(new int[] {4}));
            model.release.countDown();

            assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly(new float[] {1, 1});
            assertThat(second.get(10, TimeUnit.SECONDS)).containsExactly(new float[] {2, 2}, new float[] {3, 3});
            assertThat(third.get(10, TimeUnit.SECONDS)).containsExactly(new float[] {4, 1});
            assertThat(model.passSizes).containsExactly(1, 3);
            assertThat(batcher.passes()).isEqualTo(2);
            assertThat(batcher.inputs()).isEqualTo(4);
            assertThat(batcher.tokens()).isEqualTo(7);
        }
    }

    @Test
    void aPassTakesNoMoreThanTheModelsBatchUnlessOneRequestIsLarger() throws Exception {
        GatedModel model = new GatedModel();
        try (EmbeddingBatcher batcher = EmbeddingBatcher.start(model)) {
            CompletableFuture<List<float[]>> first = batcher.submit(List.of(new int[] {1}));
            assertThat(model.firstPassStarted.await(10, TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<List<float[]>>> queued = new ArrayList<>();
            queued.add(batcher.submit(inputs(5)));
            queued.add(batcher.submit(inputs(5))); // 5 + 5 > 8: the next pass
            queued.add(batcher.submit(inputs(12))); // alone: larger than a pass
            model.release.countDown();
            first.get(10, TimeUnit.SECONDS);
            for (CompletableFuture<List<float[]>> future : queued) {
                future.get(10, TimeUnit.SECONDS);
            }
            assertThat(model.passSizes).containsExactly(1, 5, 5, 12);
        }
    }

    @Test
    void aBadRequestFailsAloneAtSubmission() throws Exception {
        GatedModel model = new GatedModel();
        model.release.countDown();
        try (EmbeddingBatcher batcher = EmbeddingBatcher.start(model)) {
            assertThatThrownBy(() -> batcher.submit(List.of(new int[] {1}, new int[] {100})))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("input[1][0] = 100 is outside the vocabulary (0..99)");
            assertThatThrownBy(() -> batcher.submit(List.of(new int[17])))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessage("input[0] has 17 tokens; this model embeds at most 16");
            assertThat(batcher.submit(List.of(new int[] {5})).get(10, TimeUnit.SECONDS))
                    .containsExactly(new float[] {5, 1});
            assertThat(model.passSizes).containsExactly(1);
        }
    }

    @Test
    void aFailedPassFailsItsRequestsAndTheNextPassRuns() throws Exception {
        GatedModel model = new GatedModel();
        model.failNextPass = new LlmException("the native pass failed");
        model.release.countDown();
        try (EmbeddingBatcher batcher = EmbeddingBatcher.start(model)) {
            CompletableFuture<List<float[]>> failed = batcher.submit(List.of(new int[] {1}));
            assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(LlmException.class)
                    .hasRootCauseMessage("the native pass failed");
            assertThat(batcher.submit(List.of(new int[] {2})).get(10, TimeUnit.SECONDS))
                    .containsExactly(new float[] {2, 1});
        }
    }

    @Test
    void aFullQueueRefusesAndAClosedBatcherRefuses() throws Exception {
        GatedModel model = new GatedModel();
        EmbeddingBatcher batcher = EmbeddingBatcher.start(model, 4);
        CompletableFuture<List<float[]>> running = batcher.submit(List.of(new int[] {1}));
        assertThat(model.firstPassStarted.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<List<float[]>> waiting = batcher.submit(inputs(3));
        assertThatThrownBy(() -> batcher.submit(inputs(2)))
                .isInstanceOf(QueueFullException.class)
                .hasMessage("3 inputs are waiting for gated (at most 4); retry shortly");
        model.release.countDown();
        batcher.close(); // lets the queued request finish
        assertThat(running).isCompleted();
        assertThat(waiting.get()).hasSize(3);
        assertThatThrownBy(() -> batcher.submit(inputs(1)))
                .isInstanceOf(SchedulerClosedException.class).hasMessage("the embedding batcher is closed");
    }

    private static List<int[]> inputs(int count) {
        List<int[]> inputs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inputs.add(new int[] {i + 1});
        }
        return inputs;
    }
}
