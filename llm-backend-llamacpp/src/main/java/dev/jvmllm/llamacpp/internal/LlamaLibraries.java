package dev.jvmllm.llamacpp.internal;

import dev.jvmllm.api.ModelLoadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which llama.cpp library a model runs on, and the libraries loaded so far (one
 * {@link LlamaLibrary} per file, for the life of the JVM).
 *
 * <p>The choice, first match wins:
 * <ol>
 *   <li>the one a caller names (for a model: {@code ModelOptions.nativeLibrary}; on the command
 *       line: {@code --llama-library});</li>
 *   <li>the system property {@value #LIBRARY_PROPERTY};</li>
 *   <li>the environment variable {@value #LIBRARY_VARIABLE};</li>
 *   <li>the current llama.cpp that {@code ./llm fetch llama.cpp} installs, where it is installed:
 *       {@code <cache>/llama.cpp/}{@value #INSTALLED_RELEASE}{@code /<platform>/libllama*}, with
 *       {@code <cache>} from the system property {@code jvmllm.cache}, else {@code $JVMLLM_CACHE},
 *       else {@code $XDG_CACHE_HOME/jvmllm}, else {@code ~/.cache/jvmllm};</li>
 *   <li>the library inside {@code de.kherud:llama} (b4916), which is always there.</li>
 * </ol>
 * A choice is a path to a {@code libllama} file, or {@value #BUNDLED} or {@value #INSTALLED}.
 *
 * <p>Before the first library is loaded, {@code OMP_WAIT_POLICY=ACTIVE} and
 * {@code GOMP_SPINCOUNT=1000000} are put into the process environment unless they are set
 * already: b4916 runs its threads with OpenMP, whose default waiting made two threads decode
 * 5x slower than one on a 2-core machine (36 against 192 tokens/s), while with these two the
 * worker threads stop spinning about a millisecond after a pass (an idle process uses no CPU).
 * libgomp reads them once, when it is loaded with the library, so they must be in place first.
 */
@SuppressWarnings("restricted") // loading native libraries
public final class LlamaLibraries {
    /** System property: the llama.cpp library to load (a path, {@value #BUNDLED} or {@value #INSTALLED}). */
    public static final String LIBRARY_PROPERTY = "jvmllm.llamacpp.library";
    /** Environment variable with the same meaning as {@value #LIBRARY_PROPERTY}. */
    public static final String LIBRARY_VARIABLE = "LLM_LLAMA_LIBRARY";
    /** The choice of the library inside {@code de.kherud:llama}. */
    public static final String BUNDLED = "bundled";
    /** The choice of the current llama.cpp that {@code ./llm fetch llama.cpp} installs. */
    public static final String INSTALLED = "installed";
    /** The llama.cpp release {@code ./llm fetch llama.cpp} installs. */
    public static final String INSTALLED_RELEASE = "v0.5.0";

    private static final Logger log = LoggerFactory.getLogger(LlamaLibraries.class);
    private static final Map<Path, LlamaLibrary> loaded = new HashMap<>();
    private static final Map<Path, ModelLoadException> refused = new HashMap<>();
    private static Path bundledPath;
    private static boolean environmentPrepared;

    private LlamaLibraries() {
    }

    /**
     * The library for a choice (empty: the order above), loaded and initialised on first use. A
     * library that was refused once is refused again with the same message.
     *
     * @throws ModelLoadException if the chosen file is missing, cannot be loaded, or is not a
     *                            llama.cpp library of a C API this backend speaks
     */
    public static synchronized LlamaLibrary get(Optional<String> choice) {
        Path path = resolve(choice.filter(c -> !c.isBlank()).or(LlamaLibraries::configured));
        Path key = realPath(path);
        LlamaLibrary library = loaded.get(key);
        if (library != null) {
            return library;
        }
        ModelLoadException earlier = refused.get(key);
        if (earlier != null) {
            throw earlier;
        }
        try {
            library = load(path);
        } catch (ModelLoadException e) {
            refused.put(key, e);
            throw e;
        }
        loaded.put(key, library);
        return library;
    }

    /** The default choice: the system property, else the environment variable, else none. */
    private static Optional<String> configured() {
        return Optional.ofNullable(System.getProperty(LIBRARY_PROPERTY)).filter(v -> !v.isBlank())
                .or(() -> Optional.ofNullable(System.getenv(LIBRARY_VARIABLE)).filter(v -> !v.isBlank()));
    }

    private static Path resolve(Optional<String> choice) {
        if (choice.isEmpty()) {
            return installedLibrary().orElseGet(LlamaLibraries::bundled);
        }
        String name = choice.get().trim();
        if (name.equalsIgnoreCase(BUNDLED)) {
            return bundled();
        }
        if (name.equalsIgnoreCase(INSTALLED)) {
            return installedLibrary().orElseThrow(() -> new ModelLoadException("no current llama.cpp is installed in "
                    + installedDirectory() + ": run ./llm fetch llama.cpp, or name a libllama file"));
        }
        Path path = Path.of(name).toAbsolutePath();
        if (!Files.isRegularFile(path)) {
            throw new ModelLoadException("llama.cpp library not found: " + path + " is not a file"
                    + " (expected a libllama shared library, '" + BUNDLED + "' or '" + INSTALLED + "')");
        }
        return path;
    }

    private static Path bundled() {
        if (bundledPath == null) {
            try {
                bundledPath = BundledLibrary.extract();
            } catch (IOException | RuntimeException e) {
                throw new ModelLoadException("cannot extract the llama.cpp library of de.kherud:llama: " + e.getMessage(), e);
            }
        }
        return bundledPath;
    }

    /** Where {@code ./llm fetch llama.cpp} puts the current llama.cpp for this platform. */
    public static Path installedDirectory() {
        return cacheRoot().resolve("llama.cpp").resolve(INSTALLED_RELEASE).resolve(platform());
    }

    /** The installed current llama.cpp, if there is one. */
    public static Optional<Path> installedLibrary() {
        Path directory = installedDirectory();
        if (!Files.isRegularFile(directory.resolve(".complete"))) {
            return Optional.empty();
        }
        String suffix = System.mapLibraryName("x").substring(System.mapLibraryName("x").indexOf('x') + 1);
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> {
                String file = f.getFileName().toString();
                return (file.startsWith("libllama") || file.startsWith("llama")) && file.endsWith(suffix)
                        && !file.contains("common");
            }).sorted().findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Path cacheRoot() {
        String property = System.getProperty("jvmllm.cache");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String variable = System.getenv("JVMLLM_CACHE");
        if (variable != null && !variable.isBlank()) {
            return Path.of(variable);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("jvmllm");
    }

    /** node-llama-cpp's name for this platform's prebuilt package. */
    private static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        boolean arm = arch.equals("aarch64") || arch.equals("arm64");
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return arm ? "mac-arm64-metal" : "mac-x64";
        }
        if (os.startsWith("windows")) {
            return arm ? "win-arm64" : "win-x64";
        }
        return arm ? "linux-arm64" : "linux-x64";
    }

    private static LlamaLibrary load(Path path) {
        prepareEnvironment();
        SymbolLookup symbols;
        try {
            // the global arena: a library stays loaded for the life of the JVM, as its handles may be called any time
            symbols = SymbolLookup.libraryLookup(path, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("cannot load " + path + " as a shared library: " + e.getMessage(), e);
        }
        LlamaLibrary library = LlamaLibrary.bind(path, symbols);
        library.initialise();
        log.debug("loaded {}", library);
        return library;
    }

    private static void prepareEnvironment() {
        if (environmentPrepared) {
            return;
        }
        environmentPrepared = true;
        ProcessEnvironment.setIfUnset("OMP_WAIT_POLICY", "ACTIVE");
        ProcessEnvironment.setIfUnset("GOMP_SPINCOUNT", "1000000");
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }
}
