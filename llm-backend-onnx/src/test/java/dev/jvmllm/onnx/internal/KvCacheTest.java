package dev.jvmllm.onnx.internal;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cache's bookkeeping, with the graph's concatenation played by the test: every real slot of a
 * sequence must hold that sequence's tokens in order, whatever rebuilds, parking and compaction
 * happened in between.
 */
class KvCacheTest {
    private static final int LAYERS = 2;
    private static final int HEADS = 2;
    private static final int DIM = 3;

    private final int[] held = new int[4];

    @Test
    void sameSequencesStepAfterStepNeverRebuild() {
        try (KvCache cache = new KvCache(LAYERS, HEADS, DIM, 4, 64)) {
            pass(cache, new int[] {0, 1}, new int[] {5, 2});
            assertThat(cache.rebuilds()).isEqualTo(1); // the first pass forms the batch
            for (int step = 0; step < 10; step++) {
                pass(cache, new int[] {1, 0}, new int[] {1, 1});
            }
            assertThat(cache.rebuilds()).isEqualTo(1);
            assertThat(cache.slots()).isEqualTo(15);
            assertContents(cache, 0, 1);
        }
    }

    @Test
    void aSequenceLeavingIsParkedAndComesBackIntact() {
        try (KvCache cache = new KvCache(LAYERS, HEADS, DIM, 4, 64)) {
            pass(cache, new int[] {0, 1, 2}, new int[] {4, 1, 6});
            pass(cache, new int[] {0, 2}, new int[] {1, 1}); // 1 parked
            pass(cache, new int[] {0, 2}, new int[] {1, 1});
            pass(cache, new int[] {2, 1, 0}, new int[] {1, 1, 1}); // 1 back
            assertThat(cache.rebuilds()).isEqualTo(3);
            assertContents(cache, 0, 1, 2);
            assertThat(held).containsExactly(7, 2, 9, 0);
        }
    }

    @Test
    void holesAreCompactedAwayOnceTheyDominate() {
        try (KvCache cache = new KvCache(LAYERS, HEADS, DIM, 4, 1000)) {
            pass(cache, new int[] {0, 1, 2}, new int[] {1, 1, 1});
            // each sequence in turn adds 40 tokens while the others add one: 39 holes for each of them
            pass(cache, new int[] {0, 1, 2}, new int[] {40, 1, 1});
            pass(cache, new int[] {0, 1, 2}, new int[] {1, 40, 1});
            pass(cache, new int[] {0, 1, 2}, new int[] {1, 1, 40});
            assertThat(cache.slots()).isEqualTo(121);
            assertThat(cache.rebuilds()).isEqualTo(1);
            assertContents(cache, 0, 1, 2);
            // 78 of 121 slots are holes in every row: the next pass compacts to the 43 real ones first
            pass(cache, new int[] {0, 1, 2}, new int[] {1, 1, 1});
            assertThat(cache.rebuilds()).isEqualTo(2);
            assertThat(cache.slots()).isEqualTo(44);
            assertContents(cache, 0, 1, 2);
        }
    }

    @Test
    void releasedSequencesAreDroppedAndTheirIdsStartOver() {
        try (KvCache cache = new KvCache(LAYERS, HEADS, DIM, 4, 64)) {
            pass(cache, new int[] {0, 1}, new int[] {3, 3});
            cache.release(1);
            held[1] = 0;
            pass(cache, new int[] {0, 1}, new int[] {1, 2});
            assertContents(cache, 0, 1);
            assertThat(held).containsExactly(4, 2, 0, 0);
        }
    }

    /** One forward pass: the cache prepares, the test writes what the graph would, the cache commits. */
    private void pass(KvCache cache, int[] sequences, int[] newTokens) {
        int width = Arrays.stream(newTokens).max().orElseThrow();
        cache.prepare(sequences, sequences.length, width, s -> held[s]);
        int past = cache.slots();
        int[] real = new int[cache.rows()];
        for (int i = 0; i < sequences.length; i++) {
            real[cache.rowOf(sequences[i])] = newTokens[i];
        }
        for (int t = 0; t < LAYERS * 2; t++) {
            FloatBuffer from = cache.past(t);
            FloatBuffer to = cache.present(t, width);
            for (int i = 0; i < sequences.length; i++) {
                int row = cache.rowOf(sequences[i]);
                for (int h = 0; h < HEADS; h++) {
                    for (int s = 0; s < past + width; s++) {
                        for (int d = 0; d < DIM; d++) {
                            int index = (((row * HEADS) + h) * (past + width) + s) * DIM + d;
                            float value = s < past ? from.get((((row * HEADS) + h) * past + s) * DIM + d)
                                    : s - past < newTokens[i] ? value(sequences[i], held[sequences[i]] + s - past, t, h, d)
                                    : -1; // padding: garbage the mask hides
                            to.put(index, value);
                        }
                    }
                }
            }
        }
        cache.commit(width, real);
        for (int i = 0; i < sequences.length; i++) {
            held[sequences[i]] += newTokens[i];
        }
    }

    private void assertContents(KvCache cache, int... sequences) {
        for (int sequence : sequences) {
            int row = cache.rowOf(sequence);
            int slots = cache.slots();
            for (int t = 0; t < LAYERS * 2; t++) {
                FloatBuffer past = cache.past(t);
                for (int h = 0; h < HEADS; h++) {
                    int token = 0;
                    for (int s = 0; s < slots; s++) {
                        if (!cache.mask(row, s)) {
                            continue;
                        }
                        for (int d = 0; d < DIM; d++) {
                            assertThat(past.get((((row * HEADS) + h) * slots + s) * DIM + d))
                                    .as("sequence %d token %d tensor %d head %d", sequence, token, t, h)
                                    .isEqualTo(value(sequence, token, t, h, d));
                        }
                        token++;
                    }
                    assertThat(token).isEqualTo(held[sequence]);
                }
            }
        }
    }

    private static float value(int sequence, int token, int tensor, int head, int d) {
        return sequence * 10000 + token * 100 + tensor * 10 + head + d * 0.1f;
    }
}
