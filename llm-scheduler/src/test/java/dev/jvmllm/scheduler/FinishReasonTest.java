package dev.jvmllm.scheduler;

import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationEvent;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static dev.jvmllm.scheduler.Fixtures.afterBos;
import static dev.jvmllm.scheduler.Fixtures.bytes;
import static dev.jvmllm.scheduler.Fixtures.greedy;
import static org.assertj.core.api.Assertions.assertThat;

/** Why a generation ends, and what its text is then: the same on every path. */
class FinishReasonTest {
    private static final SchedulerOptions OPTIONS = SchedulerOptions.defaults();

    @ParameterizedTest
    @EnumSource(GenerationPath.class)
    void aStopStringSpanningTokensEndsTheTextBeforeIt(GenerationPath path) {
        FakeModel model = new FakeModel(Script.reply(1, "Hello, world! END more"));
        RecordingListener listener = new RecordingListener();

        GenerationResult result = path.generate(model, OPTIONS,
                afterBos(SamplingParams.builder().temperature(0).stop(List.of("END")).build()), listener);

        assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(result.text()).isEqualTo("Hello, world! ");
        assertThat(result.tokens()).containsExactly(bytes("Hello, world! END"));
        assertThat(listener.deltas()).containsExactly(
                "H", "e", "l", "l", "o", ",", " ", "w", "o", "r", "l", "d", "!", " ", "", "", "");
    }

    @ParameterizedTest
    @EnumSource(GenerationPath.class)
    void heldBackTextIsShownOnceItCannotBecomeAStopString(GenerationPath path) {
        FakeModel model = new FakeModel(Script.reply(1, "THE END."));
        RecordingListener listener = new RecordingListener();

        GenerationResult result = path.generate(model, OPTIONS,
                afterBos(SamplingParams.builder().temperature(0).stop(List.of("ENDING")).build()), listener);

        assertThat(result.finishReason()).isEqualTo(FinishReason.END_OF_SEQUENCE);
        assertThat(result.text()).isEqualTo("THE END.");
        assertThat(listener.deltas()).containsExactly("T", "H", "", "E ", "", "", "", "END.");
    }

    @ParameterizedTest
    @EnumSource(GenerationPath.class)
    void theEndOfSequenceReleasesHeldBackTextWithOneLastEvent(GenerationPath path) {
        FakeModel model = new FakeModel(Script.reply(1, "abE"));
        RecordingListener listener = new RecordingListener();

        GenerationResult result = path.generate(model, OPTIONS,
                afterBos(SamplingParams.builder().temperature(0).stop(List.of("EX")).build()), listener);

        assertThat(result.finishReason()).isEqualTo(FinishReason.END_OF_SEQUENCE);
        assertThat(result.text()).isEqualTo("abE");
        assertThat(result.tokens()).containsExactly(bytes("abE"));
        assertThat(listener.events()).containsExactly(
                new GenerationEvent.Token(0, bytes("a")[0], "a"),
                new GenerationEvent.Token(1, bytes("b")[0], "b"),
                new GenerationEvent.Token(2, bytes("E")[0], ""),
                new GenerationEvent.Token(3, FakeModel.EOS, "E"),
                new GenerationEvent.Finished(result));
    }

    @ParameterizedTest
    @EnumSource(GenerationPath.class)
    void theEndOfSequenceTokenEndsItAndIsNotPartOfTheResult(GenerationPath path) {
        FakeModel model = new FakeModel(Script.reply(1, "abc"));
        RecordingListener listener = new RecordingListener();

        GenerationResult result = path.generate(model, OPTIONS, afterBos(SamplingParams.greedy(50)), listener);

        assertThat(result.finishReason()).isEqualTo(FinishReason.END_OF_SEQUENCE);
        assertThat(result.text()).isEqualTo("abc");
        assertThat(result.tokens()).containsExactly(bytes("abc"));
        assertThat(listener.tokenIds()).containsExactly(bytes("abc")[0], bytes("abc")[1], bytes("abc")[2]);
    }

    @ParameterizedTest
    @EnumSource(GenerationPath.class)
    void maxTokensEndsItWithLength(GenerationPath path) {
        FakeModel model = new FakeModel(Script.reply(1, "abcdefgh"));

        GenerationResult result = path.generate(model, OPTIONS, afterBos(SamplingParams.greedy(4)), event -> { });

        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(result.text()).isEqualTo("abcd");
        assertThat(result.completionTokens()).isEqualTo(4);
    }

    @ParameterizedTest
    @EnumSource(GenerationPath.class)
    void aFullContextEndsItWithLength(GenerationPath path) {
        FakeModel model = new FakeModel(Script.mixing());

        GenerationResult result = path.generate(model, OPTIONS.withContextSize(16), greedy("123456789", 100),
                event -> { });

        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(result.tokens()).containsExactly(model.expected(model.tokenize("123456789", true), 6));
    }

    @ParameterizedTest
    @EnumSource(GenerationPath.class)
    void reachingMaxTokensReleasesTextHeldForAStopString(GenerationPath path) {
        FakeModel model = new FakeModel(Script.reply(1, "abcEN"));
        RecordingListener listener = new RecordingListener();

        GenerationResult result = path.generate(model, OPTIONS,
                afterBos(SamplingParams.builder().temperature(0).maxTokens(5).stop(List.of("END")).build()), listener);

        assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(result.text()).isEqualTo("abcEN");
        assertThat(listener.deltas()).containsExactly("a", "b", "c", "", "EN");
    }
}
