package dev.jvmllm.chat;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelInfo;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SpecialTokens;
import dev.jvmllm.gguf.GgufFile;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a chat template needs of a model, read from a GGUF file's metadata without loading it:
 * its template, its vocabulary's texts and its BOS and EOS. It runs nothing.
 */
final class VocabularyModel implements Model {
    private final ModelInfo info;
    private final List<String> tokens;
    private final SpecialTokens special;
    private final Optional<String> template;

    private VocabularyModel(ModelInfo info, List<String> tokens, SpecialTokens special, Optional<String> template) {
        this.info = info;
        this.tokens = tokens;
        this.special = special;
        this.template = template;
    }

    static VocabularyModel of(Path gguf) {
        GgufFile file = GgufFile.open(gguf);
        List<String> tokens = file.getStringArray("tokenizer.ggml.tokens").orElseThrow();
        SpecialTokens special = new SpecialTokens(file.getInt("tokenizer.ggml.bos_token_id").orElse(SpecialTokens.NONE),
                file.getInt("tokenizer.ggml.eos_token_id").orElse(SpecialTokens.NONE));
        String name = gguf.getFileName().toString().replaceFirst("\\.gguf$", "");
        ModelInfo info = new ModelInfo(name, gguf, "gguf-metadata", file.architecture().orElse("?"), tokens.size(), 0, 0,
                "none", 1, 1);
        return new VocabularyModel(info, tokens, special, file.getString("tokenizer.chat_template"));
    }

    /** A model of these token texts, BOS and EOS the first two, with this template. */
    static VocabularyModel of(List<String> tokens, Optional<String> template) {
        ModelInfo info = new ModelInfo("test-vocabulary", Path.of("test"), "none", "none", tokens.size(), 0, 0, "none", 1, 1);
        return new VocabularyModel(info, tokens, new SpecialTokens(0, 1), template);
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public SpecialTokens specialTokens() {
        return special;
    }

    @Override
    public String tokenText(int token) {
        return tokens.get(token);
    }

    @Override
    public byte[] tokenBytes(int token) {
        return tokens.get(token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Optional<String> chatTemplate() {
        return template;
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return token == special.eos();
    }

    @Override
    public int[] tokenize(String text, boolean addSpecial) {
        throw new UnsupportedOperationException("metadata only");
    }

    @Override
    public BatchProcessor newBatchProcessor(ProcessorOptions options) {
        throw new UnsupportedOperationException("metadata only");
    }

    @Override
    public void close() {
    }
}
