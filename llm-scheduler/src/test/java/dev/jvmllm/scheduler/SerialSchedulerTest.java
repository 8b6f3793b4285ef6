package dev.jvmllm.scheduler;

import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.FakeProcessor;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static dev.jvmllm.scheduler.Fixtures.joinResult;
import static org.assertj.core.api.Assertions.assertThat;

class SerialSchedulerTest {
    private final FakeModel model = new FakeModel(Script.mixing());

    @Test
    void runsOneRequestAtATimeInOrder() {
        List<GenerationHandle> handles = new ArrayList<>();
        // no prefix cache: each request's sequence is released when it ends
        try (Scheduler scheduler = new SerialSchedulerProvider().create(model,
                SchedulerOptions.defaults().withPrefixCache(false))) {
            for (int i = 0; i < 4; i++) {
                handles.add(scheduler.submit(greedy(Fixtures.PROMPTS.get(i), 4 + i)));
            }
            for (int i = 0; i < 4; i++) {
                assertThat(joinResult(handles.get(i)).tokens())
                        .containsExactly(model.expected(model.tokenize(Fixtures.PROMPTS.get(i), true), 4 + i));
            }
        }
        FakeProcessor processor = model.processor();
        assertThat(processor.options().maxSequences()).isEqualTo(1);
        assertThat(processor.callLog()).allSatisfy(call -> assertThat(call.sequences()).containsOnly(0));
        assertThat(processor.releases()).hasSize(4);
    }

    @Test
    void cancellingARunningRequestEndsItAtTheNextStep() {
        AtomicReference<GenerationHandle> handle = new AtomicReference<>();
        try (Scheduler scheduler = new SerialSchedulerProvider().create(model, SchedulerOptions.defaults())) {
            // the hook holds the first step until the handle is known
            java.util.concurrent.CountDownLatch submitted = new java.util.concurrent.CountDownLatch(1);
            model.processor().hook(call -> CancellationTest.await(submitted));
            handle.set(scheduler.submit(greedy("stop me", 100), event -> {
                if (event instanceof GenerationEvent.Token token && token.index() == 2) {
                    handle.get().cancel();
                }
            }));
            submitted.countDown();
            GenerationResult result = joinResult(handle.get());

            assertThat(result.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(result.completionTokens()).isEqualTo(3);
            GenerationResult timedOut = joinResult(scheduler.submit(greedy("late", 5).withTimeout(Duration.ofNanos(1))));
            assertThat(timedOut.finishReason()).isEqualTo(FinishReason.TIMEOUT);
        }
    }
}
