package dev.jvmllm.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationHandle;
import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.Prompt;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.api.Schedulers;
import dev.jvmllm.chat.ChatMessage;
import dev.jvmllm.chat.ChatTemplate;
import dev.jvmllm.grammar.Grammar;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cost of structured output: the same chat request, sampled at temperature 0.8, with its
 * output free and constrained to a JSON Schema, from 1 and from {@value #STREAMS} concurrent
 * clients of the scheduled path, alternating in the same run ({@code runs} times each, medians):
 * the tokens per second the scheduler generates for them. Each round gets a scheduler of its
 * own (the prefix cache on, as by default): a round that ran second on a scheduler whose cache
 * had already been reused measured up to 35 % slower passes, free or constrained alike
 * (docs/benchmarks.md), which would have charged the constraint for the order of the rounds.
 */
final class StructuredBench {
    static final int STREAMS = 8;
    static final double ROUND_SECONDS = 6;
    static final String SCHEMA = """
            {"type": "object",
             "properties": {
               "people": {"type": "array", "minItems": 2, "maxItems": 3, "items": {
                 "type": "object",
                 "properties": {
                   "name": {"type": "string", "maxLength": 24},
                   "age": {"type": "integer"},
                   "city": {"type": "string", "maxLength": 24},
                   "role": {"enum": ["engineer", "artist", "farmer", "doctor"]}},
                 "required": ["name", "age", "city", "role"],
                 "additionalProperties": false}}},
             "required": ["people"],
             "additionalProperties": false}
            """;

    private final Model model;
    private final SchedulerOptions base;
    private final int maxTokens;
    private final PrintStream out;

    StructuredBench(Model model, SchedulerOptions base, int maxTokens, PrintStream out) {
        this.model = model;
        this.base = base;
        this.maxTokens = maxTokens;
        this.out = out;
    }

    void measure(int runs) throws Exception {
        JsonNode schema = new ObjectMapper().readTree(SCHEMA);
        Grammar grammar = Grammar.jsonSchema(schema);
        ChatTemplate template = ChatTemplate.forModel(model, Optional.of("chatml")).orElseThrow();
        int[] prompt = template.tokenize(model, template.render(List.of(ChatMessage.user(
                "Describe two or three people as JSON: name, age, city and role.")), List.of(), true));
        int[] streams = {1, STREAMS};
        double[][][] rate = new double[streams.length][2][runs]; // [streams][free, constrained][run]
        for (int run = 0; run < runs; run++) {
            for (int s = 0; s < streams.length; s++) {
                for (int constrained = 0; constrained < 2; constrained++) {
                    try (Scheduler scheduler = Schedulers.create(model, base.withMaxSequences(streams[s]))) {
                        rate[s][constrained][run] = round(scheduler, prompt, streams[s], constrained == 1 ? grammar : null, run);
                    }
                }
            }
        }
        out.printf("structured output: %s, a json_schema (objects in an array, an enum, bounded strings),"
                + " temperature 0.8, up to %d tokens, rounds of %.0f s, %d runs each%n", model.info().name(), maxTokens,
                ROUND_SECONDS, runs);
        out.printf("%-8s %14s %14s %10s%n", "clients", "free tok/s", "schema tok/s", "ratio");
        for (int s = 0; s < streams.length; s++) {
            double free = Stats.median(rate[s][0]);
            double constrained = Stats.median(rate[s][1]);
            out.printf("%-8d %14.1f %14.1f %9.2fx%n", streams[s], free, constrained, constrained / free);
        }
        out.println("floor: constrained / free >= 0.90x from 1 and from " + STREAMS + " clients");
    }

    /**
     * One round: {@code streams} clients, each submitting its next request as soon as the last
     * one ended, for {@value #ROUND_SECONDS} s; the tokens generated in that time per second. A
     * closed loop keeps the batch full however long each answer is (a constrained answer ends when
     * its JSON closes, a free one at its end of turn or the limit), so the rates compare the cost
     * of a token, not the answers' lengths.
     */
    private double round(Scheduler scheduler, int[] prompt, int streams, Grammar grammar, int run) throws Exception {
        AtomicLong tokens = new AtomicLong();
        long start = System.nanoTime();
        long end = start + (long) (ROUND_SECONDS * 1e9);
        ExecutorService clients = Executors.newFixedThreadPool(streams);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < streams; c++) {
                int client = c;
                done.add(clients.submit(() -> {
                    for (int i = 0; System.nanoTime() < end; i++) {
                        SamplingParams sampling = SamplingParams.builder().temperature(0.8)
                                .seed(1_000_000L * run + 1000L * client + i).maxTokens(maxTokens).build();
                        GenerationRequest request = GenerationRequest.of(Prompt.tokens(prompt), sampling);
                        GenerationHandle handle = scheduler.submit(grammar == null ? request : request.withConstraint(grammar),
                                event -> {
                                    if (event instanceof GenerationEvent.Token && System.nanoTime() < end) {
                                        tokens.incrementAndGet();
                                    }
                                });
                        long left = end - System.nanoTime();
                        try {
                            handle.result().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
                        } catch (TimeoutException e) {
                            handle.cancel();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : done) {
                client.get();
            }
        } finally {
            clients.shutdownNow();
        }
        return tokens.get() / ROUND_SECONDS;
    }
}
