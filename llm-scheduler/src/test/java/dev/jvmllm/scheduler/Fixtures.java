package dev.jvmllm.scheduler;

import dev.jvmllm.api.GenerationRequest;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.Prompt;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.scheduler.fake.FakeModel;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Small helpers shared by the tests. */
final class Fixtures {
    /** Only a guard against a hang: no test waits this long when it passes. */
    static final long HANG_GUARD_SECONDS = 60;

    /** Sixteen prompts of different lengths, for fidelity tests. */
    static final List<String> PROMPTS = List.of(
            "Once upon a time", "The cat", "A little girl named Lily", "One day",
            "Tom and his dog went to the park to play with a ball", "She", "The sun was shining",
            "There was a big red ball", "Why", "He wanted to", "In the forest there lived a wise old owl",
            "Mom said", "They were happy", "The bird sang", "It was a cold winter morning and", "Bob");

    private Fixtures() {
    }

    static GenerationRequest greedy(String prompt, int maxTokens) {
        return GenerationRequest.of(prompt, SamplingParams.greedy(maxTokens));
    }

    static GenerationRequest greedy(Prompt prompt, int maxTokens) {
        return GenerationRequest.of(prompt, SamplingParams.greedy(maxTokens));
    }

    /** A request whose prompt is BOS alone, as {@code Script.reply(1, ...)} expects. */
    static GenerationRequest afterBos(SamplingParams sampling) {
        return GenerationRequest.of(Prompt.tokens(FakeModel.BOS), sampling);
    }

    /** The byte tokens of a text. */
    static int[] bytes(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            tokens[i] = FakeModel.byteToken(utf8[i] & 0xFF);
        }
        return tokens;
    }

    static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException e) {
            throw new AssertionError("the generation failed", e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("hung: no result after " + HANG_GUARD_SECONDS + " s", e);
        }
    }

    static GenerationResult joinResult(dev.jvmllm.api.GenerationHandle handle) {
        return join(handle.result());
    }
}
