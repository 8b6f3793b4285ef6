package dev.jvmllm.onnx.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the backend reads from {@code tokenizer_config.json} (all of it optional): the chat
 * template and the texts of the BOS and EOS tokens. Newer exports keep the template in
 * {@code chat_template.jinja} (or {@code chat_template.json}) instead; those are read too.
 *
 * @param chatTemplate the model's Jinja chat template
 * @param bosToken the text of the BOS token
 * @param eosToken the text of the EOS token
 */
record TokenizerConfig(Optional<String> chatTemplate, Optional<String> bosToken, Optional<String> eosToken) {

    static TokenizerConfig read(Path directory) {
        JsonNode config = Json.readOptional(directory.resolve("tokenizer_config.json"));
        Optional<String> template = Optional.empty();
        Optional<String> bos = Optional.empty();
        Optional<String> eos = Optional.empty();
        if (config != null) {
            template = template(config.get("chat_template"));
            bos = tokenText(config.get("bos_token"));
            eos = tokenText(config.get("eos_token"));
        }
        Path jinja = directory.resolve("chat_template.jinja");
        if (template.isEmpty() && Files.isRegularFile(jinja)) {
            try {
                template = Optional.of(Files.readString(jinja));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + jinja, e);
            }
        }
        JsonNode separate = Json.readOptional(directory.resolve("chat_template.json"));
        if (template.isEmpty() && separate != null) {
            template = template(separate.get("chat_template"));
        }
        return new TokenizerConfig(template, bos, eos);
    }

    /** A template is a string, or a list of named ones of which "default" is the chat template. */
    private static Optional<String> template(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isTextual()) {
            return Optional.of(node.asText());
        }
        for (JsonNode named : node) {
            if ("default".equals(named.path("name").asText())) {
                return Optional.of(named.path("template").asText());
            }
        }
        return Optional.empty();
    }

    /** A special token is written as its text or as an object with a {@code content} field. */
    private static Optional<String> tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        return Optional.of(node.isTextual() ? node.asText() : node.path("content").asText());
    }
}
