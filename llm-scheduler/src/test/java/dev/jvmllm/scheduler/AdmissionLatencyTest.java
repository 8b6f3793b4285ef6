package dev.jvmllm.scheduler;

import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.FakeProcessor;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.jvmllm.scheduler.Fixtures.greedy;
import static dev.jvmllm.scheduler.Fixtures.joinResult;
import static org.assertj.core.api.Assertions.assertThat;

/** A request that arrives while others generate waits for its own prefill plus one step, no more. */
class AdmissionLatencyTest {
    private final FakeModel model = new FakeModel(Script.mixing());

    @Test
    void aShortPromptGetsItsFirstTokenAtTheNextStep() {
        Arrival arrival = submitWhileSevenGenerate(SchedulerOptions.defaults(), "Hi");

        assertThat(arrival.firstTokenCall - arrival.submittedAtCall).isEqualTo(1);
    }

    @Test
    void aLongPromptIsPrefilledInChunksWhileTheOthersKeepDecoding() {
        // 7 decoding sequences leave 9 of the 16 tokens of a step for the 30-token prompt
        String prompt = "a prompt of twenty-nine bytes";
        Arrival arrival = submitWhileSevenGenerate(SchedulerOptions.defaults().withMaxBatchTokens(16), prompt);

        assertThat(arrival.firstTokenCall - arrival.submittedAtCall).isEqualTo(4);
        List<FakeProcessor.Call> prefill = arrival.calls.subList(arrival.submittedAtCall, arrival.submittedAtCall + 4);
        assertThat(prefill).extracting(FakeProcessor.Call::size).containsExactly(16, 16, 16, 10);
        for (FakeProcessor.Call call : prefill) {
            for (int sequence = 0; sequence < 7; sequence++) {
                assertThat(call.tokensOf(sequence)).as("sequence %d in call %d", sequence, call.number()).isEqualTo(1);
            }
        }
        assertThat(arrival.result.tokens()).containsExactly(model.expected(model.tokenize(prompt, true), 5));
    }

    private record Arrival(int submittedAtCall, int firstTokenCall, List<FakeProcessor.Call> calls, GenerationResult result) {
    }

    /** Starts 7 requests together; when the first has 10 tokens, submits one more from its listener (a known step). */
    private Arrival submitWhileSevenGenerate(SchedulerOptions options, String prompt) {
        AtomicInteger submittedAt = new AtomicInteger();
        AtomicInteger firstTokenAt = new AtomicInteger();
        AtomicReference<GenerationHandle> late = new AtomicReference<>();
        try (ContinuousBatchingScheduler scheduler = new ContinuousBatchingScheduler(model, options.withMaxSequences(8))) {
            FakeProcessor processor = model.processor();
            CountDownLatch allSubmitted = new CountDownLatch(1);
            processor.hook(call -> CancellationTest.await(allSubmitted));
            List<GenerationHandle> early = new ArrayList<>();
            early.add(scheduler.submit(greedy("r0", 40), event -> {
                if (event instanceof GenerationEvent.Token token && token.index() == 10) {
                    submittedAt.set(processor.calls());
                    late.set(scheduler.submit(greedy(prompt, 5), next -> {
                        if (next instanceof GenerationEvent.Token first && first.index() == 0) {
                            firstTokenAt.set(processor.calls());
                        }
                    }));
                }
            }));
            for (int i = 1; i < 7; i++) {
                early.add(scheduler.submit(greedy("r" + i, 40)));
            }
            allSubmitted.countDown();
            early.forEach(Fixtures::joinResult);
            GenerationResult result = joinResult(late.get());
            return new Arrival(submittedAt.get(), firstTokenAt.get(), processor.callLog(), result);
        }
    }
}
