package dev.jvmllm.scheduler;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.FakeProcessor;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static dev.jvmllm.scheduler.Fixtures.join;
import static org.assertj.core.api.Assertions.assertThat;

/** Batching changes nothing about what each request gets. */
class SchedulerFidelityTest {
    private final FakeModel model = new FakeModel(Script.mixing());

    @Test
    void sixteenConcurrentRequestsGetWhatTheDirectPathGivesEachAlone() throws Exception {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            requests.add(greedy(Fixtures.PROMPTS.get(i), 5 + 7 * i));
        }
        List<GenerationResult> alone = new ArrayList<>();
        for (GenerationRequest request : requests) {
            try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
                alone.add(new DirectGenerator(processor).generate(request));
            }
        }

        List<GenerationResult> scheduled = new ArrayList<>();
        List<RecordingListener> listeners = new ArrayList<>();
        try (Scheduler scheduler = new ContinuousBatchingScheduler(model, SchedulerOptions.defaults().withMaxSequences(8)
                .withPrefixCache(false))) {
            ExecutorService submitters = Executors.newFixedThreadPool(4);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<GenerationHandle>> handles = new ArrayList<>();
            for (GenerationRequest request : requests) {
                RecordingListener listener = new RecordingListener();
                listeners.add(listener);
                handles.add(submitters.submit(() -> {
                    start.await();
                    return scheduler.submit(request, listener);
                }));
            }
            start.countDown();
            for (Future<GenerationHandle> handle : handles) {
                scheduled.add(join(handle.get().result()));
            }
            submitters.shutdown();
        }

        for (int i = 0; i < requests.size(); i++) {
            assertThat(scheduled.get(i).tokens()).as("request %d", i).containsExactly(alone.get(i).tokens());
            assertThat(scheduled.get(i).text()).isEqualTo(alone.get(i).text());
            assertThat(scheduled.get(i).finishReason()).isEqualTo(alone.get(i).finishReason());
            assertThat(String.join("", listeners.get(i).deltas())).isEqualTo(scheduled.get(i).text());
        }
        FakeProcessor processor = model.processors().getLast();
        int widest = processor.callLog().stream().mapToInt(call -> (int) java.util.Arrays.stream(call.sequences()).distinct().count())
                .max().orElseThrow();
        assertThat(widest).as("sequences in the widest batch").isEqualTo(8);
        assertThat(processor.releases()).hasSize(16);
        assertThat(processor.isClosed()).isTrue();
        assertThat(model.isClosed()).as("the model stays the caller's").isFalse();
    }
}
