package dev.jvmllm.scheduler;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.QueueFullException;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static dev.jvmllm.scheduler.Fixtures.joinResult;
import static org.assertj.core.api.Assertions.assertThat;

/** The continuous-batching scheduler on the real stories260K model. */
class StoriesSchedulerTest {
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
    void sixteenConcurrentRequestsGetExactlyTheDirectPathsGreedyTokens() throws Exception {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            requests.add(greedy(Fixtures.PROMPTS.get(i), 10 + 9 * i));
        }
        List<int[]> alone = alone(requests);

        List<GenerationResult> scheduled = new ArrayList<>();
        try (Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults().withMaxSequences(8))) {
            ExecutorService submitters = Executors.newFixedThreadPool(4);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<GenerationHandle>> handles = new ArrayList<>();
            for (GenerationRequest request : requests) {
                handles.add(submitters.submit(() -> {
                    start.await();
                    return scheduler.submit(request);
                }));
            }
            start.countDown();
            for (Future<GenerationHandle> handle : handles) {
                scheduled.add(joinResult(handle.get()));
            }
            submitters.shutdown();
            assertThat(scheduler.metrics().requestsFinished()).isEqualTo(16);
        }

        for (int i = 0; i < requests.size(); i++) {
            assertThat(scheduled.get(i).tokens()).as("request %d", i).containsExactly(alone.get(i));
        }
    }

    @Test
    void cancellingOneRequestMidwayLeavesTheOthersExactlyAsTheyWouldBe() {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            requests.add(greedy(Fixtures.PROMPTS.get(i), 48));
        }
        List<int[]> alone = alone(requests);
        AtomicReference<GenerationHandle> victim = new AtomicReference<>();
        CountDownLatch submitted = new CountDownLatch(1);
        List<GenerationHandle> handles = new ArrayList<>();
        try (Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults())) {
            for (int i = 0; i < 4; i++) {
                boolean cancelThis = i == 1;
                handles.add(scheduler.submit(requests.get(i), event -> {
                    if (cancelThis && event instanceof GenerationEvent.Token token && token.index() == 5) {
                        CancellationTest.await(submitted);
                        victim.get().cancel();
                    }
                }));
            }
            victim.set(handles.get(1));
            submitted.countDown();

            GenerationResult cancelled = joinResult(handles.get(1));
            assertThat(cancelled.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(cancelled.tokens()).containsExactly(Arrays.copyOf(alone.get(1), 6));
            for (int i : new int[] {0, 2, 3}) {
                assertThat(joinResult(handles.get(i)).tokens()).as("request %d", i).containsExactly(alone.get(i));
            }
        }
    }

    @Test
    void underOverloadTheExcessIsRefusedAndEveryAcceptedRequestCompletes() throws Exception {
        SchedulerOptions options = SchedulerOptions.defaults().withMaxSequences(2).withMaxQueued(4);
        CountDownLatch allTried = new CountDownLatch(1);
        ConcurrentLinkedQueue<GenerationHandle> accepted = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<QueueFullException> refused = new ConcurrentLinkedQueue<>();
        try (Scheduler scheduler = Schedulers.create(model, options)) {
            // a first request holds the engine in its listener until every submit has returned,
            // so exactly 5 more places are free: 1 sequence and 4 in the queue
            GenerationHandle first = scheduler.submit(greedy("Once upon a time", 16), event -> {
                if (event instanceof GenerationEvent.Token token && token.index() == 0) {
                    CancellationTest.await(allTried);
                }
            });
            ExecutorService threads = Executors.newFixedThreadPool(4);
            List<Future<?>> submitters = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                submitters.add(threads.submit(() -> {
                    for (int i = 0; i < 8; i++) {
                        try {
                            accepted.add(scheduler.submit(greedy(Fixtures.PROMPTS.get(i), 32)));
                        } catch (QueueFullException e) {
                            refused.add(e);
                        }
                    }
                }));
            }
            for (Future<?> submitter : submitters) {
                submitter.get(Fixtures.HANG_GUARD_SECONDS, TimeUnit.SECONDS);
            }
            threads.shutdown();
            allTried.countDown();

            assertThat(accepted).hasSize(5);
            assertThat(refused).hasSize(27);
            assertThat(joinResult(first).completionTokens()).isEqualTo(16);
            for (GenerationHandle handle : accepted) {
                assertThat(joinResult(handle).finishReason()).isEqualTo(FinishReason.LENGTH);
            }
            assertThat(scheduler.metrics().requestsRejected()).isEqualTo(27);
            assertThat(scheduler.metrics().requestsFinished()).isEqualTo(6);
        }
    }

    @Test
    void aStopStringEndsTheTextBeforeIt() {
        try (Scheduler scheduler = Schedulers.create(model, SchedulerOptions.defaults())) {
            GenerationResult result = joinResult(scheduler.submit(GenerationRequest.of("Once upon a time",
                    SamplingParams.builder().temperature(0).maxTokens(64).stop(List.of("Lily")).build())));

            assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(result.text()).isEqualTo(", there was a little girl named ");
        }
    }

    @Test
    void theSerialSchedulerGivesTheSameTokens() {
        List<GenerationRequest> requests = List.of(greedy(Fixtures.PROMPTS.get(0), 20), greedy(Fixtures.PROMPTS.get(4), 30));
        List<int[]> alone = alone(requests);
        try (Scheduler scheduler = Schedulers.create("serial", model, SchedulerOptions.defaults())) {
            List<GenerationHandle> handles = requests.stream().map(scheduler::submit).toList();
            for (int i = 0; i < requests.size(); i++) {
                assertThat(joinResult(handles.get(i)).tokens()).containsExactly(alone.get(i));
            }
        }
    }

    private static List<int[]> alone(List<GenerationRequest> requests) {
        List<int[]> tokens = new ArrayList<>();
        try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            DirectGenerator generator = new DirectGenerator(processor);
            for (GenerationRequest request : requests) {
                tokens.add(generator.generate(request).tokens());
            }
        }
        return tokens;
    }
}
