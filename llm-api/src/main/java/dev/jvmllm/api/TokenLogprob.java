package dev.jvmllm.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How likely a chosen token was: the log-softmax of the logits the sampler saw at its step (before
 * temperature and penalties, as OpenAI reports them), and the most likely tokens of that step.
 *
 * @param token the chosen token
 * @param logprob its natural-log probability
 * @param top the most likely tokens of the step, most likely first (equal ones by lower id); as
 *            many as the request asked for
 */
public record TokenLogprob(int token, double logprob, List<Candidate> top) {

    /** One token of a step and its natural-log probability. */
    public record Candidate(int token, double logprob) {
    }

    public TokenLogprob {
        top = List.copyOf(Objects.requireNonNull(top, "top"));
    }

    /**
     * The log-probabilities of a row of logits, read in place: two passes over the row for its
     * normaliser, one for the top candidates; nothing the size of the vocabulary is allocated.
     *
     * @param topCount how many of the most likely tokens to list, 0 to the vocabulary size
     */
    public static TokenLogprob of(Logits logits, int token, int topCount) {
        if (topCount < 0 || topCount > logits.size()) {
            throw new IllegalArgumentException("topCount must be in 0.." + logits.size() + ", got " + topCount);
        }
        float max = logits.max();
        double logNormaliser = max + Math.log(logits.sumExp(max));
        int[] best = logits.top(topCount);
        List<Candidate> top = new ArrayList<>(best.length);
        for (int id : best) {
            top.add(new Candidate(id, logits.get(id) - logNormaliser));
        }
        return new TokenLogprob(token, logits.get(token) - logNormaliser, top);
    }
}
