package dev.jvmllm.examples.bench;

import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.Prompt;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.chat.ChatMessage;
import dev.jvmllm.chat.ChatTemplate;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The workloads where a scheduler's prefix cache and chunked prefill matter, on the scheduled
 * path, each with the feature on and off in the same run (alternating, {@code runs} times each,
 * medians):
 * <ul>
 *   <li><b>multi-turn</b>: {@value #CONVERSATIONS} concurrent conversations of {@value #TURNS}
 *       turns; each turn sends the whole conversation so far (the chat template applied) plus a
 *       new user message, as chat clients do. Time to first token per turn, and tokens/s overall.</li>
 *   <li><b>long prompts</b>: {@value #STREAMS} streams decode while prompts of
 *       {@value #LONG_PROMPT_TOKENS} tokens arrive; the inter-token latency of the decoding
 *       streams (p50, p99), with the prompts split into chunks of the step budget and not split,
 *       against the same streams without long prompts.</li>
 * </ul>
 */
final class ConversationBench {
    static final int CONVERSATIONS = 8;
    static final int TURNS = 6;
    static final int STREAMS = 7;
    static final int LONG_PROMPT_TOKENS = 1500;
    private static final List<String> QUESTIONS = List.of(
            "Tell me a short story about a lighthouse keeper.", "What was the keeper's name?",
            "Why did the keeper stay on the island?", "Describe the storm in the story.",
            "How did the story end?", "Give the story a title.");

    private final Model model;
    private final SchedulerOptions base;
    private final int answerTokens;
    private final PrintStream out;

    ConversationBench(Model model, SchedulerOptions base, int answerTokens, PrintStream out) {
        this.model = model;
        this.base = base;
        this.answerTokens = answerTokens;
        this.out = out;
    }

    /** Runs the multi-turn workload with the prefix cache on and off, {@code runs} times each, alternating. */
    void multiTurn(int runs) throws Exception {
        double[][][] ttft = new double[2][runs][TURNS]; // [cache off, on][run][turn]: mean seconds over the conversations
        double[][] rate = new double[2][runs];
        for (int run = 0; run < runs; run++) {
            for (int cache = 0; cache < 2; cache++) {
                SchedulerOptions options = base.withMaxSequences(CONVERSATIONS).withPrefixCache(cache == 1);
                try (Scheduler scheduler = Schedulers.create(model, options)) {
                    long start = System.nanoTime();
                    List<List<GenerationResult>> conversations = conversations(scheduler);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    long tokens = 0;
                    for (List<GenerationResult> turns : conversations) {
                        for (int turn = 0; turn < TURNS; turn++) {
                            GenerationResult result = turns.get(turn);
                            ttft[cache][run][turn] += result.timings().timeToFirstToken().toNanos() / 1e9 / CONVERSATIONS;
                            tokens += result.completionTokens();
                        }
                    }
                    rate[cache][run] = tokens / seconds;
                }
            }
        }
        out.printf("multi-turn: %s, %d conversations of %d turns, answers of up to %d tokens, %d runs each%n",
                model.info().name(), CONVERSATIONS, TURNS, answerTokens, runs);
        out.printf("%-14s %s %12s%n", "prefix cache", turnsHeader(), "tokens/s");
        double[] off = new double[TURNS];
        double[] on = new double[TURNS];
        for (int turn = 0; turn < TURNS; turn++) {
            off[turn] = Stats.median(column(ttft[0], turn));
            on[turn] = Stats.median(column(ttft[1], turn));
        }
        out.printf("%-14s %s %12.1f%n", "off", millis(off), Stats.median(rate[0]));
        out.printf("%-14s %s %12.1f%n", "on", millis(on), Stats.median(rate[1]));
        out.printf("turn-%d TTFT, cache on / off: %.2fx (floor 0.25x); on, turn %d / turn 1: %.2fx (floor 1.50x)%n",
                TURNS, on[TURNS - 1] / off[TURNS - 1], TURNS, on[TURNS - 1] / on[0]);
    }

    /** Every conversation on a thread of its own, turn after turn; the results per conversation and turn. */
    private List<List<GenerationResult>> conversations(Scheduler scheduler) throws Exception {
        ChatTemplate template = ChatTemplate.forModel(model, Optional.of("chatml")).orElseThrow();
        ExecutorService threads = Executors.newFixedThreadPool(CONVERSATIONS);
        try {
            List<Callable<List<GenerationResult>>> work = new ArrayList<>();
            for (int c = 0; c < CONVERSATIONS; c++) {
                int conversation = c;
                work.add(() -> {
                    List<ChatMessage> messages = new ArrayList<>();
                    messages.add(ChatMessage.system("You are assistant number " + conversation + "."));
                    List<GenerationResult> turns = new ArrayList<>();
                    for (String question : QUESTIONS) {
                        messages.add(ChatMessage.user(question));
                        int[] prompt = template.tokenize(model, template.render(messages, List.of(), true));
                        GenerationResult result = scheduler.submit(GenerationRequest.of(Prompt.tokens(prompt),
                                SamplingParams.greedy(answerTokens))).result().join();
                        turns.add(result);
                        messages.add(ChatMessage.assistant(result.text()));
                    }
                    return turns;
                });
            }
            List<List<GenerationResult>> results = new ArrayList<>();
            for (Future<List<GenerationResult>> done : threads.invokeAll(work)) {
                results.add(done.get());
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * The inter-token latency of {@value #STREAMS} decoding streams alone, while {@code longPrompts}
     * prompts of {@value #LONG_PROMPT_TOKENS} tokens arrive one after the other in chunks of
     * {@code budget} tokens a step, and while they arrive unsplit.
     */
    void longPrompts(int budget, int longPrompts, int runs) throws Exception {
        int unsplit = LONG_PROMPT_TOKENS + STREAMS + 1;
        String[] rows = {"no long prompts", "chunks of " + budget, "not split (" + unsplit + " a step)"};
        double[][] p50 = new double[rows.length][runs];
        double[][] p99 = new double[rows.length][runs];
        for (int run = 0; run < runs; run++) {
            for (int row = 0; row < rows.length; row++) {
                SchedulerOptions options = base.withMaxSequences(STREAMS + 1).withContextSize(2048)
                        .withMaxBatchTokens(row == 2 ? unsplit : budget).withPrefixCache(false);
                double[] gaps = interTokenGaps(options, row == 0 ? 0 : longPrompts);
                p50[row][run] = Stats.percentile(gaps, 0.50);
                p99[row][run] = Stats.percentile(gaps, 0.99);
            }
        }
        out.printf("long prompts: %s, %d decoding streams, %d prompts of %d tokens arriving one after another,"
                + " %d runs each%n", model.info().name(), STREAMS, longPrompts, LONG_PROMPT_TOKENS, runs);
        out.printf("%-28s %12s %12s%n", "", "ITL p50 ms", "ITL p99 ms");
        for (int row = 0; row < rows.length; row++) {
            out.printf("%-28s %12.1f %12.1f%n", rows[row], Stats.median(p50[row]) * 1e3, Stats.median(p99[row]) * 1e3);
        }
        out.printf("p99 inter-token latency, chunked / no long prompts: %.2fx (floor 2.00x); not split: %.2fx%n",
                Stats.median(p99[1]) / Stats.median(p99[0]), Stats.median(p99[2]) / Stats.median(p99[0]));
    }

    /** The gaps between consecutive tokens of the decoding streams, in seconds, while the long prompts run. */
    private double[] interTokenGaps(SchedulerOptions options, int longPrompts) throws Exception {
        int[] filler = model.tokenize(" the lighthouse keeper watched the sea and the storm".repeat(LONG_PROMPT_TOKENS),
                false);
        int[] longPrompt = Arrays.copyOf(filler, LONG_PROMPT_TOKENS);
        try (Scheduler scheduler = Schedulers.create(model, options)) {
            List<List<Long>> times = new ArrayList<>();
            List<GenerationHandle> streams = new ArrayList<>();
            for (int s = 0; s < STREAMS; s++) {
                List<Long> stamps = Collections.synchronizedList(new ArrayList<>());
                times.add(stamps);
                                streams.add(scheduler.submit(GenerationRequest.of("Once upon a time, stream " + s,
                                SamplingParams.builder().maxTokens(1900).temperature(0.8).seed(s).build()),
                        event -> {
                            if (event instanceof GenerationEvent.Token) {
                                stamps.add(System.nanoTime());
                            }
                        }));
            }
            Thread.sleep(1000); // every stream past its prompt, decoding
            int decodingFrom = times.stream().mapToInt(List::size).min().orElse(0);
            if (longPrompts == 0) {
                Thread.sleep(4000);
            }
            for (int p = 0; p < longPrompts; p++) {
                scheduler.submit(GenerationRequest.of(Prompt.tokens(longPrompt),
                        SamplingParams.greedy(1))).result().join();
            }
            streams.forEach(GenerationHandle::cancel);
            List<Double> gaps = new ArrayList<>();
            for (List<Long> stamps : times) {
                synchronized (stamps) {
                    for (int i = Math.max(1, decodingFrom); i < stamps.size(); i++) {
                        gaps.add((stamps.get(i) - stamps.get(i - 1)) / 1e9);
                    }
                }
            }
            return gaps.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    private static String turnsHeader() {
        StringBuilder header = new StringBuilder();
        for (int turn = 1; turn <= TURNS; turn++) {
            header.append(String.format("%12s", "TTFT " + turn + " ms"));
        }
        return header.toString();
    }

    private static String millis(double[] seconds) {
        StringBuilder text = new StringBuilder();
        for (double value : seconds) {
            text.append(String.format("%12.1f", value * 1e3));
        }
        return text.toString();
    }

    private static double[] column(double[][] rows, int column) {
        return Arrays.stream(rows).mapToDouble(row -> row[column]).toArray();
    }


}
