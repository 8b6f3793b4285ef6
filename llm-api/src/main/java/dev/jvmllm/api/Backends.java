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
        if (!Files.exists(path)) {
            throw new ModelLoadException("model not found: " + path.toAbsolutePath());
        }
        Backend backend = options.backend()
                .map(Backends::byName)
                .orElseGet(() -> forPath(path));
        log.debug("opening {} with backend {}", path, backend.name());
        return backend.open(path, options);
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
                        + names() + ")"));
    }

    private static Backend forPath(Path path) {
        return installed().stream()
                .filter(b -> b.canOpen(path))
                .findFirst()
                .orElseThrow(() -> new ModelLoadException("no installed backend recognises " + path.toAbsolutePath()
                        + " (installed: " + names() + "); a llama.cpp model is a .gguf file, an ONNX model a directory"
                        + " with model.onnx"));
    }

    private static String names() {
        String names = installed().stream().map(Backend::name).collect(Collectors.joining(", "));
        return names.isEmpty() ? "none: add llm-backend-llamacpp or llm-backend-onnx to the class path" : names;
    }
}
