package dev.jvmllm.api;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProcessorOptionsTest {

    private static ModelInfo modelWithDefaultThreads(int threads) {
        return new ModelInfo("m", Path.of("m.gguf"), "test", "llama", 512, 2048, 1_000, "test 1.0", threads, 1);
    }

    @Test
    void noThreadCountTakesTheBackendsChoiceForTheModel() {
        assertThat(ProcessorOptions.defaults().effectiveThreads(modelWithDefaultThreads(1))).isEqualTo(1);
        assertThat(ProcessorOptions.defaults().effectiveThreads(modelWithDefaultThreads(6))).isEqualTo(6);
    }

    @Test
    void aSingleTokenPassMayTakeItsOwnDefault() {
        ModelInfo model = new ModelInfo("m", Path.of("m.gguf"), "test", "llama", 512, 2048, 1_000, "test 1.0", 2, 1);
        assertThat(ProcessorOptions.defaults().effectiveThreads(model)).isEqualTo(2);
        assertThat(ProcessorOptions.defaults().effectiveDecodeThreads(model)).isEqualTo(1);
        assertThat(ProcessorOptions.defaults().withThreads(3).effectiveDecodeThreads(model)).isEqualTo(3);
    }

    @Test
    void anExplicitThreadCountWins() {
        assertThat(ProcessorOptions.defaults().withThreads(3).effectiveThreads(modelWithDefaultThreads(1))).isEqualTo(3);
    }

    @Test
    void modelInfoNeedsAtLeastOneDefaultThread() {
        assertThatThrownBy(() -> modelWithDefaultThreads(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("defaultThreads and defaultDecodeThreads must be at least 1, got 0 and 1");
    }

    @Test
    void rejectsImpossibleSizes() {
        assertThatThrownBy(() -> new ProcessorOptions(0, 0, 1, 0)).hasMessageContaining("maxSequences");
        assertThatThrownBy(() -> new ProcessorOptions(1, -1, 1, 0)).hasMessageContaining("contextSize");
        assertThatThrownBy(() -> new ProcessorOptions(1, 0, 0, 0)).hasMessageContaining("maxBatchTokens");
        assertThatThrownBy(() -> new ProcessorOptions(1, 0, 1, -1)).hasMessageContaining("threads");
    }
}
