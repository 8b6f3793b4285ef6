package dev.jvmllm.api;

/** The default {@link Logits#top}: one pass with a min-heap of the best {@code count} so far. */
final class TopScores {
    private TopScores() {
    }

    static int[] of(Logits logits, int count) {
        int n = logits.size();
        if (count < 0 || count > n) {
            throw new IllegalArgumentException("count must be in 0.." + n + ", got " + count);
        }
        int[] heap = new int[count]; // heap[0] is the worst of the best, by worse()
        float[] scores = new float[count];
        int size = 0;
        for (int id = 0; id < n && count > 0; id++) {
            float score = logits.get(id);
            if (size < count) {
                heap[size] = id;
                scores[size] = score;
                siftUp(heap, scores, size++);
            } else if (worse(scores[0], heap[0], score, id)) {
                heap[0] = id;
                scores[0] = score;
                siftDown(heap, scores, size);
            }
        }
        // pop the worst each time, filling from the end: best first
        int[] best = new int[size];
        for (int i = size - 1; i >= 0; i--) {
            best[i] = heap[0];
            heap[0] = heap[i];
            scores[0] = scores[i];
            siftDown(heap, scores, i);
        }
        return best;
    }

    /** Whether (a, aId) ranks below (b, bId): a lower score, or an equal score and a higher id. */
    private static boolean worse(float a, int aId, float b, int bId) {
        return a < b || a == b && aId > bId;
    }

    private static void siftUp(int[] heap, float[] scores, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!worse(scores[i], heap[i], scores[parent], heap[parent])) {
                return;
            }
            swap(heap, scores, i, parent);
            i = parent;
        }
    }

    private static void siftDown(int[] heap, float[] scores, int size) {
        int i = 0;
        while (true) {
            int left = 2 * i + 1;
            int worst = i;
            if (left < size && worse(scores[left], heap[left], scores[worst], heap[worst])) {
                worst = left;
            }
            if (left + 1 < size && worse(scores[left + 1], heap[left + 1], scores[worst], heap[worst])) {
                worst = left + 1;
            }
            if (worst == i) {
                return;
            }
            swap(heap, scores, i, worst);
            i = worst;
        }
    }

    private static void swap(int[] heap, float[] scores, int i, int j) {
        int id = heap[i];
        heap[i] = heap[j];
        heap[j] = id;
        float score = scores[i];
        scores[i] = scores[j];
        scores[j] = score;
    }
}
