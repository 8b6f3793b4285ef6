package dev.jvmllm.llamacpp;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelInfo;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SpecialTokens;
import dev.jvmllm.gguf.RandomLlamaModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A model written by the project's own GGUF writer loads in llama.cpp and decodes deterministically. */
class RandomModelTest {
    @TempDir
    Path dir;

    @Test
    void loadsWithTheMetadataItWasWrittenWith() throws Exception {
        Path path = TestModels.random(dir);
        try (Model model = new LlamaCppBackend().open(path, ModelOptions.defaults())) {
            assertThat(model.info()).isEqualTo(new ModelInfo("random-llama", path.toAbsolutePath(), "llamacpp", "llama",
                    RandomLlamaModel.vocabularySize(), 256, Files.size(path)));
            assertThat(model.specialTokens()).isEqualTo(new SpecialTokens(RandomLlamaModel.BOS, RandomLlamaModel.EOS));
            assertThat(model.chatTemplate()).isEmpty();
            List<String> tokens = RandomLlamaModel.tokens();
            String space = RandomLlamaModel.SPACE;
            assertThat(model.tokenize("Once upon a time", true)).containsExactly(1, tokens.indexOf(space + "Once"),
                    tokens.indexOf(space + "upon"), tokens.indexOf(space + "a"), tokens.indexOf(space + "time"));
            assertThat(model.detokenize(model.tokenize("Once upon a time 🦙", true))).isEqualTo(" Once upon a time 🦙");
        }
    }

    @Test
    void decodesTheSameTokensEveryTime() {
        Path path = TestModels.random(dir);
        int[] first;
        int[] second;
        int[] third;
        try (Model model = new LlamaCppBackend().open(path, ModelOptions.defaults())) {
            int[] prompt = model.tokenize("Once upon a time", true);
            try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
                first = Greedy.generate(processor, 0, prompt, 32);
            }
            try (BatchProcessor processor = model.newBatchProcessor(new ProcessorOptions(4, 64, 64, 1))) {
                second = Greedy.generate(processor, 3, prompt, 32);
            }
        }
        try (Model model = new LlamaCppBackend().open(path, ModelOptions.defaults());
             BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            third = Greedy.generate(processor, 0, model.tokenize("Once upon a time", true), 32);
        }
        assertThat(first).hasSizeGreaterThan(1);
        assertThat(second).containsExactly(first);
        assertThat(third).containsExactly(first);

        Path otherSeed = RandomLlamaModel.defaults().withSeed(7).write(dir.resolve("seed7.gguf"));
        try (Model model = new LlamaCppBackend().open(otherSeed, ModelOptions.defaults());
             BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            assertThat(Greedy.generate(processor, 0, model.tokenize("Once upon a time", true), 32))
                    .isNotEqualTo(first);
        }
    }
}
