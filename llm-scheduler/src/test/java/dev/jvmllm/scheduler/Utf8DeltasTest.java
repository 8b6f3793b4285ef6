package dev.jvmllm.scheduler;

import dev.jvmllm.api.FinishReason;
import dev.jvmllm.api.GenerationResult;
import dev.jvmllm.api.SamplingParams;
import dev.jvmllm.api.SchedulerOptions;
import dev.jvmllm.scheduler.fake.FakeModel;
import dev.jvmllm.scheduler.fake.Script;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static dev.jvmllm.scheduler.Fixtures.afterBos;
import static org.assertj.core.api.Assertions.assertThat;

/** Byte tokens that split characters never split a text delta. */
class Utf8DeltasTest {

    @ParameterizedTest
    @EnumSource(GenerationPath.class)
    void aCharacterAppearsWithTheTokenThatCompletesIt(GenerationPath path) {
        FakeModel model = new FakeModel(Script.reply(1, "aé😀b"));
        RecordingListener listener = new RecordingListener();

        GenerationResult result = path.generate(model, SchedulerOptions.defaults(), afterBos(SamplingParams.greedy(50)),
                listener);

        assertThat(listener.deltas()).containsExactly("a", "", "é", "", "", "", "😀", "b");
        assertThat(result.text()).isEqualTo("aé😀b");
        assertThat(result.completionTokens()).isEqualTo(8);
    }

    @ParameterizedTest
    @EnumSource(GenerationPath.class)
    void aStopStringAfterAMultiByteCharacterCutsAfterTheWholeCharacter(GenerationPath path) {
        FakeModel model = new FakeModel(Script.reply(1, "über😀halt"));
        RecordingListener listener = new RecordingListener();

        GenerationResult result = path.generate(model, SchedulerOptions.defaults(),
                afterBos(SamplingParams.builder().temperature(0).stop(List.of("😀h")).build()), listener);

        assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(result.text()).isEqualTo("über");
        assertThat(String.join("", listener.deltas())).isEqualTo("über");
    }

    @ParameterizedTest
    @EnumSource(GenerationPath.class)
    void aCharacterCutOffByMaxTokensBecomesAReplacementCharacter(GenerationPath path) {
        FakeModel model = new FakeModel(Script.reply(1, "a😀"));
        RecordingListener listener = new RecordingListener();

        GenerationResult result = path.generate(model, SchedulerOptions.defaults(), afterBos(SamplingParams.greedy(3)),
                listener);

        assertThat(listener.deltas()).containsExactly("a", "", "\uFFFD");
        assertThat(result.text()).isEqualTo("a\uFFFD");
    }
}
