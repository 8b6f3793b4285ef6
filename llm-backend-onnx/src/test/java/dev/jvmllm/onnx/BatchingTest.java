package dev.jvmllm.onnx;

import dev.jvmllm.api.BatchInput;
import dev.jvmllm.api.BatchOutput;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.ProcessorOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sequences that share a forward pass get exactly what they get alone: with different prompt
 * lengths (padding), with sequences joining, pausing and leaving between steps (rebuilds and
 * parking), and with prompts and single tokens in the same pass (holes in the cache).
 */
class BatchingTest {
    private static final int STEPS = 24;

    @TempDir
    static Path dir;
    private static Path onnx;

    @BeforeAll
    static void convert() {
        onnx = TestModels.convertedRandom(dir);
    }

    private static final String[] PROMPTS = {
            "Once upon a time", "The dog", "She saw a big red ball and", "happy", "They went to the park with mom",
            "Tim had a cat", "One day", "Lily loved the sun so very much"};

    @Test
    void eightSequencesInLockstepGetWhatTheyGetAlone() {
        try (Model model = open()) {
            int[][] prompts = tokenize(model);
            int[][] alone = alone(model, prompts);
            try (BatchProcessor processor = model.newBatchProcessor(options(8))) {
                int[][] batched = new int[8][STEPS];
                BatchInput batch = new BatchInput(64);
                for (int s = 0; s < 8; s++) {
                    batch.addAll(s, 0, prompts[s], 0, prompts[s].length, true);
                }
                for (int step = 0; step < STEPS; step++) {
                    BatchOutput output = processor.process(batch);
                    assertThat(output.rows()).isEqualTo(8);
                    batch.clear();
                    for (int s = 0; s < 8; s++) {
                        batched[s][step] = output.row(s).argmax();
                        batch.add(s, processor.nextPosition(s), batched[s][step], true);
                    }
                }
                for (int s = 0; s < 8; s++) {
                    assertThat(batched[s]).as("sequence %d", s).containsExactly(alone[s]);
                }
            }
        }
    }

    @Test
    void sequencesJoiningPausingAndLeavingGetWhatTheyGetAlone() {
        try (Model model = open()) {
            int[][] prompts = tokenize(model);
            int[][] alone = alone(model, prompts);
            try (BatchProcessor processor = model.newBatchProcessor(options(4))) {
                // sequence ids 0..3 serve eight prompts: a prompt starts when its id is free
                List<Stream> waiting = new ArrayList<>();
                for (int p = 0; p < 8; p++) {
                    waiting.add(new Stream(p, prompts[p]));
                }
                Stream[] slots = new Stream[4];
                BatchInput batch = new BatchInput(64);
                int[][] produced = new int[8][];
                for (int step = 0; !waiting.isEmpty() || Arrays.stream(slots).anyMatch(s -> s != null); step++) {
                    batch.clear();
                    List<Stream> inBatch = new ArrayList<>();
                    for (int id = 0; id < 4; id++) {
                        if (slots[id] == null && !waiting.isEmpty() && step >= id) {
                            slots[id] = waiting.removeFirst();
                        }
                        Stream stream = slots[id];
                        // id 2 sits out every third step: its cache is parked and comes back
                        if (stream == null || (id == 2 && step % 3 == 1)) {
                            continue;
                        }
                        stream.addTo(batch, id, processor.nextPosition(id));
                        inBatch.add(stream);
                    }
                    if (batch.isEmpty()) {
                        continue; // only the pausing sequence is left, and this is its pause
                    }
                    BatchOutput output = processor.process(batch);
                    for (int row = 0; row < inBatch.size(); row++) {
                        inBatch.get(row).accept(output.row(row).argmax());
                    }
                    for (int id = 0; id < 4; id++) {
                        // prompts end at different lengths, so ids free up at different steps
                        if (slots[id] != null && slots[id].generated.size() == STEPS - slots[id].prompt % 5) {
                            produced[slots[id].prompt] = slots[id].tokens();
                            slots[id] = null;
                            processor.releaseSequence(id);
                            assertThat(processor.nextPosition(id)).isZero();
                        }
                    }
                }
                for (int p = 0; p < 8; p++) {
                    assertThat(produced[p]).as("prompt %d", p)
                            .containsExactly(Arrays.copyOf(alone[p], STEPS - p % 5));
                }
            }
        }
    }

    @Test
    void promptAndDecodeTokensInOnePassGetWhatTheyGetAlone() {
        try (Model model = open()) {
            int[][] prompts = tokenize(model);
            int[][] alone = alone(model, prompts);
            try (BatchProcessor processor = model.newBatchProcessor(options(2))) {
                // sequence 0 decodes while sequence 1 feeds its prompt in chunks of three tokens
                BatchInput batch = new BatchInput(16);
                batch.addAll(0, 0, prompts[2], 0, prompts[2].length, true);
                List<Integer> first = new ArrayList<>();
                List<Integer> second = new ArrayList<>();
                int fed = 0;
                int[] prompt = prompts[7];
                for (int step = 0; step < STEPS; step++) {
                    if (step > 0) {
                        batch.clear();
                        batch.add(0, processor.nextPosition(0), first.getLast(), true);
                    }
                    if (step >= 2) {
                        if (fed < prompt.length) {
                            int to = Math.min(prompt.length, fed + 3);
                            batch.addAll(1, fed, prompt, fed, to, to == prompt.length);
                            fed = to;
                        } else {
                            batch.add(1, processor.nextPosition(1), second.getLast(), true);
                        }
                    }
                    BatchOutput output = processor.process(batch);
                    first.add(output.row(0).argmax());
                    if (output.rows() == 2) {
                        second.add(output.row(1).argmax());
                    }
                }
                assertThat(first).containsExactly(box(alone[2]));
                assertThat(second).containsExactly(box(Arrays.copyOf(alone[7], second.size())));
                assertThat(second).hasSizeGreaterThan(STEPS / 2);
            }
        }
    }

    /**
     * {@code copySequence}, how the choices of a request share a prefill: sequence 1 is copied
     * from 0 while 0 is in the batch, 2 from 1 while 1 is parked (it sat out the steps since its
     * copy); 0 is released at once. Each copy continues exactly as the prompt alone does.
     */
    @Test
    void copiedSequencesContinueAsTheirSourceWould() {
        try (Model model = open()) {
            int[] prompt = model.tokenize(PROMPTS[4], true);
            int[] alone = alone(model, new int[][] {prompt})[0];
            try (BatchProcessor processor = model.newBatchProcessor(options(3))) {
                BatchOutput output = processor.process(new BatchInput(64).addAll(0, 0, prompt, 0, prompt.length, true));
                processor.copySequence(0, 1);
                assertThat(output.row(0).argmax()).isEqualTo(alone[0]);
                processor.releaseSequence(0);
                processor.process(new BatchInput(1).add(0, 0, prompt[0], false)); // 1 parked, a new 0 in the batch
                processor.copySequence(1, 2);
                int[] generated = new int[3]; // per sequence: how many tokens of alone its cache holds
                List<Integer> one = new ArrayList<>();
                List<Integer> two = new ArrayList<>();
                BatchInput batch = new BatchInput(2);
                for (int step = 0; step < STEPS - 1; step++) {
                    batch.clear();
                    batch.add(1, prompt.length + generated[1], alone[generated[1]], true);
                    if (step >= 2) { // 2 joins later: its parked copy is unparked by a rebuild
                        batch.add(2, prompt.length + generated[2], alone[generated[2]], true);
                    }
                    output = processor.process(batch);
                    one.add(output.row(0).argmax());
                    generated[1]++;
                    if (step >= 2) {
                        two.add(output.row(1).argmax());
                        generated[2]++;
                    }
                }
                assertThat(one).containsExactly(box(Arrays.copyOfRange(alone, 1, STEPS)));
                assertThat(two).containsExactly(box(Arrays.copyOfRange(alone, 1, STEPS - 2)));
            }
        }
    }

    private static Model open() {
        return new OnnxBackend().open(onnx, ModelOptions.defaults());
    }

    private static ProcessorOptions options(int sequences) {
        return ProcessorOptions.defaults().withMaxSequences(sequences).withContextSize(128).withThreads(2);
    }

    private static int[][] tokenize(Model model) {
        return Arrays.stream(PROMPTS).map(p -> model.tokenize(p, true)).toArray(int[][]::new);
    }

    private static int[][] alone(Model model, int[][] prompts) {
        int[][] alone = new int[prompts.length][];
        for (int p = 0; p < prompts.length; p++) {
            try (BatchProcessor processor = model.newBatchProcessor(options(1))) {
                alone[p] = TestModels.greedy(processor, 0, prompts[p], STEPS);
            }
        }
        return alone;
    }

    private static Integer[] box(int[] values) {
        return Arrays.stream(values).boxed().toArray(Integer[]::new);
    }

    /** One prompt being generated: its prompt goes in first, then one token per step. */
    private static final class Stream {
        final int prompt;
        final int[] ids;
        final List<Integer> generated = new ArrayList<>();

        Stream(int prompt, int[] ids) {
            this.prompt = prompt;
            this.ids = ids;
        }

        void addTo(BatchInput batch, int sequence, int position) {
            if (generated.isEmpty()) {
                batch.addAll(sequence, position, ids, 0, ids.length, true);
            } else {
                batch.add(sequence, position, generated.getLast(), true);
            }
        }

        void accept(int token) {
            generated.add(token);
        }

        int[] tokens() {
            return generated.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
