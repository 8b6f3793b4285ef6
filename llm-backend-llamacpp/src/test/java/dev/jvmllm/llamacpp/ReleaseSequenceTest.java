package dev.jvmllm.llamacpp;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.llamacpp.internal.NativeLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Releasing a sequence frees its KV cells, and the id starts over cleanly, even in a fragmented cache. */
class ReleaseSequenceTest {
    @TempDir
    Path dir;

    /**
     * b4916 keeps one unified cache and needs a contiguous run of cells per micro-batch, so the
     * interleaved sequences below leave only holes: the processor defragments and retries.
     */
    @Test
    void releasedSequencesStartOverAndReuseTheirSpaceInB4916sUnifiedCache() {
        try (Model model = Libraries.open(TestModels.random(dir), Libraries.BUNDLED);
             LlamaCppBatchProcessor processor = (LlamaCppBatchProcessor) model.newBatchProcessor(
                     new ProcessorOptions(2, 64, 64, 1))) {
            int[] prompt = model.tokenize("Once upon a time", true);
            int[] reference = Greedy.generate(processor, 0, prompt, 10);
            processor.releaseSequence(0);
            assertThat(processor.usedCells()).contains(0);
            assertThat(processor.nextPosition(0)).isZero();

            // interleave two sequences token by token so that their cells alternate in the cache
            BatchInput input = new BatchInput(2);
            int token = prompt[1];
            for (int i = 0; i < 60; i++) {
                input.clear();
                input.add(0, i, token, false).add(1, i, token, true);
                token = processor.process(input).row(0).argmax();
            }
            assertThat(processor.usedCells()).contains(120);
            processor.releaseSequence(0);
            assertThat(processor.usedCells()).contains(60);

            // 60 scattered free cells, but a 64-token prompt needs room in one piece: the processor
            // defragments the cache rather than failing
            int[] longPrompt = new int[64];
            java.util.Arrays.fill(longPrompt, prompt[2]);
            List<String> log = new CopyOnWriteArrayList<>();
            Runnable stop = NativeLog.addListener((level, line) -> log.add(level + " " + line));
            try {
                processor.process(new BatchInput(64).addAll(0, 0, longPrompt, 0, 64, true));
            } finally {
                stop.run();
            }
            // the first attempt found no room, quietly; the retry after defragmenting succeeded
            assertThat(log).containsSubsequence("DEBUG decode: failed to prepare ubatch",
                    "DEBUG llama_decode: failed to decode, ret = -3", "TRACE kv_self_update: defragmenting KV cache");
            assertThat(log).noneMatch(line -> line.startsWith("ERROR"));
            assertThat(processor.nextPosition(0)).isEqualTo(64);
            assertThat(processor.nextPosition(1)).isEqualTo(60);
            processor.releaseSequence(0);
            processor.releaseSequence(1);
            assertThat(processor.usedCells()).contains(0);

            assertThat(Greedy.generate(processor, 1, prompt, 10)).containsExactly(reference);
        }
    }

    /**
     * The current llama.cpp gives each sequence its own cells (kv_unified = false): a released
     * sequence's whole context is free again at once, whatever ran beside it.
     */
    @Test
    void releasedSequencesStartOverInTheCurrentLibrarysPerSequenceCache() {
        try (Model model = Libraries.open(TestModels.random(dir), Libraries.CURRENT);
             LlamaCppBatchProcessor processor = (LlamaCppBatchProcessor) model.newBatchProcessor(
                     new ProcessorOptions(2, 64, 64, 1))) {
            int[] prompt = model.tokenize("Once upon a time", true);
            int[] reference = Greedy.generate(processor, 0, prompt, 10);
            processor.releaseSequence(0);
            assertThat(processor.nextPosition(0)).isZero();

            BatchInput input = new BatchInput(2);
            int token = prompt[1];
            for (int i = 0; i < 60; i++) {
                input.clear();
                input.add(0, i, token, false).add(1, i, token, true);
                token = processor.process(input).row(0).argmax();
            }
            processor.releaseSequence(0);
            int[] longPrompt = new int[64];
            java.util.Arrays.fill(longPrompt, prompt[2]);
            List<String> log = new CopyOnWriteArrayList<>();
            Runnable stop = NativeLog.addListener((level, line) -> log.add(level + " " + line));
            try {
                processor.process(new BatchInput(64).addAll(0, 0, longPrompt, 0, 64, true));
            } finally {
                stop.run();
            }
            // the whole context of sequence 0 is free: the batch goes in at the first attempt
            assertThat(log).noneMatch(line -> line.contains("failed to decode") || line.startsWith("ERROR"));
            assertThat(processor.nextPosition(0)).isEqualTo(64);
            assertThat(processor.nextPosition(1)).isEqualTo(60);
            processor.releaseSequence(0);
            processor.releaseSequence(1);
            assertThat(Greedy.generate(processor, 1, prompt, 10)).containsExactly(reference);
        }
    }
}
