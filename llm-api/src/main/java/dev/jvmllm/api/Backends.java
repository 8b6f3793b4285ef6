package dev.jvmllm.api;

import dev.jvmllm.spi.Backend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Finds a {@link Backend} and opens models with it: the backend named in {@link ModelOptions}
 * first, else the first installed backend that {@link Backend#canOpen recognises} the path.
 */
public final class Backends {
    private static final Logger log = LoggerFactory.getLogger(Backends.class);

    private Backends() {
    }

    /** Opens a model with default options. */
    public static Model open(Path path) {
        return open(path, ModelOptions.defaults());
    }

    /**
     * Opens a model.
     *
     * @throws ModelLoadException if the path does not exist, no backend fits, or the backend
     *                            cannot open it
     */
    public static Model open(Path path, ModelOptions options) {
        Backend backend = backendFor(path, options);
        log.debug("opening {} with backend {}", path, backend.name());
        return backend.open(path, options);
    }

    private static Backend backendFor(Path path, ModelOptions options) {
        if (!Files.exists(path)) {
            throw new ModelLoadException("model not found: " + path.toAbsolutePath());
        }
        return options.backend()
                .map(Backends::byName)
                .orElseGet(() -> forPath(path));
    }

    /** Opens a model for embeddings, with its own pooling, normalised. */
    public static EmbeddingModel openEmbeddingModel(Path path) {
        return openEmbeddingModel(path, ModelOptions.defaults(), EmbeddingOptions.defaults());
    }

    /**
     * Opens a model for embeddings, with the backend chosen as {@link #open} chooses it.
     *
     * @throws ModelLoadException if the path does not exist, no backend fits, or the backend
     *                            cannot open it for embeddings
     */
    public static EmbeddingModel openEmbeddingModel(Path path, ModelOptions options, EmbeddingOptions embedding) {
        Backend backend = backendFor(path, options);
        log.debug("opening {} for embeddings with backend {}", path, backend.name());
        return backend.openEmbeddingModel(path, options, embedding);
    }

    /**
     * Whether the path holds a model made for embeddings, as its backend tells
     * ({@link Backend#isEmbeddingModel}); false for a path no installed backend recognises.
     */
    public static boolean isEmbeddingModel(Path path, ModelOptions options) {
        try {
            return Files.exists(path) && backendFor(path, options).isEmbeddingModel(path);
        } catch (ModelLoadException e) {
            return false;
        }
    }

    /** The installed backends, in class-path order. Broken providers are logged and skipped. */
    public static List<Backend> installed() {
        List<Backend> backends = new ArrayList<>();
        var iterator = ServiceLoader.load(Backend.class).iterator();
        while (true) {
            try {
                if (!iterator.hasNext()) {
                    return backends;
                }
                backends.add(iterator.next());
            } catch (ServiceConfigurationError e) {
                log.warn("skipping a backend that failed to load: {}", e.getMessage());
            }
        }
    }

    /** The installed backend of that name. */
    public static Backend byName(String name) {
        return installed().stream()
                .filter(b -> b.name().equalsIgnoreCase(name))
                .findFirst()
                .orElseThrow(() -> new ModelLoadException("no backend named '" + name + "' is installed (installed: "
                        + names(installed()) + ")"));
    }

    /**
     * The first installed backend that recognises the path. When several do, the first wins and a
     * warning names them all (name one with {@link ModelOptions#withBackend} to choose); a backend
     * whose check throws is reported and passed over, as SLF4J passes over a broken provider.
     */
    private static Backend forPath(Path path) {
        List<Backend> installed = installed();
        List<Backend> claiming = new ArrayList<>();
        for (Backend backend : installed) {
            try {
                if (backend.canOpen(path)) {
                    claiming.add(backend);
                }
            } catch (RuntimeException e) {
                log.warn("backend {} failed to check {}, passing it over: {}", backend.name(), path, e.toString());
            }
        }
        if (claiming.isEmpty()) {
            throw new ModelLoadException("no installed backend recognises " + path.toAbsolutePath()
                    + " (installed: " + names(installed) + "); a llama.cpp model is a .gguf file, an ONNX model a"
                    + " directory with model.onnx");
        }
        if (claiming.size() > 1) {
            log.warn("{} backends recognise {}: {}; using {} (choose one by name to silence this)", claiming.size(), path,
                    claiming.stream().map(Backend::name).collect(Collectors.joining(", ")), claiming.getFirst().name());
        }
        return claiming.getFirst();
    }

    private static String names(List<Backend> installed) {
        String names = installed.stream().map(Backend::name).collect(Collectors.joining(", "));
        return names.isEmpty() ? "none: add llm-backend-llamacpp or llm-backend-onnx to the class path" : names;
    }
}
