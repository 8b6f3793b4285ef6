package dev.jvmllm.api;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProcessorOptionsTest {

    private static ModelInfo modelOf(long weightBytes) {
        return new ModelInfo("m", Path.of("m.gguf"), "test", "llama", 512, 2048, weightBytes);
    }

    @Test
    void smallModelsRunOnOneThreadAndLargeOnesOnEveryCore() {
        ProcessorOptions auto = ProcessorOptions.defaults();
        assertThat(auto.effectiveThreads(modelOf(1_185_376))).isEqualTo(1);
        assertThat(auto.effectiveThreads(modelOf(ProcessorOptions.SINGLE_THREAD_WEIGHT_BYTES)))
                .isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void anExplicitThreadCountWins() {
        assertThat(ProcessorOptions.defaults().withThreads(3).effectiveThreads(modelOf(1))).isEqualTo(3);
    }

    @Test
    void rejectsImpossibleSizes() {
        assertThatThrownBy(() -> new ProcessorOptions(0, 0, 1, 0)).hasMessageContaining("maxSequences");
        assertThatThrownBy(() -> new ProcessorOptions(1, -1, 1, 0)).hasMessageContaining("contextSize");
        assertThatThrownBy(() -> new ProcessorOptions(1, 0, 0, 0)).hasMessageContaining("maxBatchTokens");
        assertThatThrownBy(() -> new ProcessorOptions(1, 0, 1, -1)).hasMessageContaining("threads");
    }
}
