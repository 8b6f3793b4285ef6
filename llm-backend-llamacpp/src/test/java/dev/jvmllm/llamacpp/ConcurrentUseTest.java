package dev.jvmllm.llamacpp;

import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Read-only calls from many threads, and a close in the middle of them, are safe. */
class ConcurrentUseTest {
    @TempDir
    Path dir;

    @Test
    void tokenizingFromManyThreadsWhileTheModelCloses() throws Exception {
        Model model = new LlamaCppBackend().open(TestModels.random(dir), ModelOptions.defaults());
        int[] expected = model.tokenize("Once upon a time, 你好 🦙", true);
        CountDownLatch started = new CountDownLatch(4);
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                started.countDown();
                try {
                    while (true) {
                        assertThat(model.tokenize("Once upon a time, 你好 🦙", true)).containsExactly(expected);
                        assertThat(model.detokenize(expected)).isEqualTo(" Once upon a time, 你好 🦙");
                        calls.incrementAndGet();
                    }
                } catch (IllegalStateException closed) {
                    // the model was closed under us: the one way out
                } catch (Throwable t2) {
                    unexpected.set(t2);
                }
            }));
        }
        started.await();
        while (calls.get() < 200) {
            Thread.onSpinWait();
        }
        model.close();
        for (Thread thread : threads) {
            thread.join(10_000);
            assertThat(thread.isAlive()).isFalse();
        }
        assertThat(unexpected.get()).isNull();
    }
}
