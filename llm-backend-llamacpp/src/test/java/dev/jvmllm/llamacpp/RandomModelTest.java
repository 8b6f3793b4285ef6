package dev.jvmllm.llamacpp;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelInfo;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SpecialTokens;
import dev.jvmllm.gguf.RandomLlamaModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A model written by the project's own GGUF writer loads in llama.cpp and decodes deterministically. */
class RandomModelTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void loadsWithTheMetadataItWasWrittenWith(String library) throws Exception {
        Path path = TestModels.random(dir);
        try (Model model = Libraries.open(path, library)) {
            String runtime = library.equals(Libraries.BUNDLED) ? "llama.cpp b4916" : model.info().runtime();
            assertThat(runtime).matches("llama\\.cpp (b4916|0\\.5\\..*)");
            assertThat(model.info()).isEqualTo(new ModelInfo("random-llama", path.toAbsolutePath(), "llamacpp", "llama",
                    RandomLlamaModel.vocabularySize(), 256, Files.size(path), runtime, 1, 1));
            assertThat(model.specialTokens()).isEqualTo(new SpecialTokens(RandomLlamaModel.BOS, RandomLlamaModel.EOS));
            assertThat(model.chatTemplate()).isEmpty();
            List<String> tokens = RandomLlamaModel.tokens();
            String space = RandomLlamaModel.SPACE;
            assertThat(model.tokenize("Once upon a time", true)).containsExactly(1, tokens.indexOf(space + "Once"),
                    tokens.indexOf(space + "upon"), tokens.indexOf(space + "a"), tokens.indexOf(space + "time"));
            assertThat(model.detokenize(model.tokenize("Once upon a time 🦙", true))).isEqualTo(" Once upon a time 🦙");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Libraries.BUNDLED, Libraries.CURRENT})
    void decodesTheSameTokensEveryTime(String library) {
        Path path = TestModels.random(dir);
        int[] first;
        int[] second;
        int[] third;
        try (Model model = Libraries.open(path, library)) {
            int[] prompt = model.tokenize("Once upon a time", true);
            try (BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
                first = Greedy.generate(processor, 0, prompt, 32);
            }
            try (BatchProcessor processor = model.newBatchProcessor(new ProcessorOptions(4, 64, 64, 1))) {
                second = Greedy.generate(processor, 3, prompt, 32);
            }
        }
        try (Model model = Libraries.open(path, library);
             BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            third = Greedy.generate(processor, 0, model.tokenize("Once upon a time", true), 32);
        }
        assertThat(first).hasSizeGreaterThan(1);
        assertThat(second).containsExactly(first);
        assertThat(third).containsExactly(first);

        Path otherSeed = RandomLlamaModel.defaults().withSeed(7).write(dir.resolve("seed7.gguf"));
        try (Model model = Libraries.open(otherSeed, library);
             BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults())) {
            assertThat(Greedy.generate(processor, 0, model.tokenize("Once upon a time", true), 32))
                    .isNotEqualTo(first);
        }
    }
}
