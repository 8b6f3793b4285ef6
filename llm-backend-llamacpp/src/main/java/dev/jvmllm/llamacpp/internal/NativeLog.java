package dev.jvmllm.llamacpp.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * Receives llama.cpp's (and ggml's) log through {@code llama_log_set} and writes it to the SLF4J
 * logger {@value #LOGGER_NAME}, one record per line.
 *
 * <p>llama.cpp sometimes emits a line in pieces (a message without a newline, then more text with
 * level {@code GGML_LOG_LEVEL_CONT}); pieces are joined until the newline arrives. Levels map as
 * DEBUG → TRACE, INFO → DEBUG, WARN → WARN, ERROR → ERROR: llama.cpp reports every model
 * parameter and buffer size at INFO, which is detail for an application that embeds it, while its
 * warnings and errors matter. A few warnings that only restate choices made on purpose are logged
 * at DEBUG too (see {@link #isExpected}).
 */
@SuppressWarnings("restricted") // reading C strings needs MemorySegment.reinterpret
public final class NativeLog {
    /** The SLF4J logger that carries llama.cpp's messages. */
    public static final String LOGGER_NAME = "dev.jvmllm.llamacpp.native";

    // enum ggml_log_level
    private static final int GGML_LOG_LEVEL_DEBUG = 1;
    private static final int GGML_LOG_LEVEL_INFO = 2;
    private static final int GGML_LOG_LEVEL_WARN = 3;
    private static final int GGML_LOG_LEVEL_ERROR = 4;
    private static final int GGML_LOG_LEVEL_CONT = 5;

    private static final Logger log = LoggerFactory.getLogger(LOGGER_NAME);
    private static final List<BiConsumer<Level, String>> listeners = new CopyOnWriteArrayList<>();
    private static final ThreadLocal<String> firstError = new ThreadLocal<>();
    private static final ThreadLocal<Boolean> quiet = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private static final Object lock = new Object();
    private static final StringBuilder pending = new StringBuilder();
    private static Level pendingLevel = Level.DEBUG;

    private NativeLog() {
    }

    /**
     * The upcall target of {@code ggml_log_callback}. It runs inside native code, where an
     * exception would abort the JVM, so it swallows everything.
     */
    static void onLog(int level, MemorySegment text, MemorySegment userData) {
        try {
            if (text.equals(MemorySegment.NULL)) {
                return;
            }
            append(level, text.reinterpret(Long.MAX_VALUE).getString(0));
        } catch (Throwable ignored) {
            // nothing may escape into native code; a lost log line is the lesser evil
        }
    }

    static void append(int nativeLevel, String text) {
        synchronized (lock) {
            if (nativeLevel != GGML_LOG_LEVEL_CONT) {
                if (!pending.isEmpty()) {
                    // a new message while an unterminated one waits: the old one is complete
                    emit(pendingLevel, pending.toString());
                    pending.setLength(0);
                }
                pendingLevel = toLevel(nativeLevel);
            }
            pending.append(text);
            int newline;
            while ((newline = pending.indexOf("\n")) >= 0) {
                String line = pending.substring(0, newline);
                pending.delete(0, newline + 1);
                if (!line.isBlank()) {
                    emit(pendingLevel, line);
                }
            }
        }
    }

    private static Level toLevel(int nativeLevel) {
        return switch (nativeLevel) {
            case GGML_LOG_LEVEL_ERROR -> Level.ERROR;
            case GGML_LOG_LEVEL_WARN -> Level.WARN;
            case GGML_LOG_LEVEL_INFO -> Level.DEBUG;
            case GGML_LOG_LEVEL_DEBUG -> Level.TRACE;
            default -> Level.DEBUG;
        };
    }

    /**
     * While on, llama.cpp's ERROR lines on this thread are logged at DEBUG: for a first attempt
     * whose failure the caller handles (by retrying), so that a recovered failure does not look
     * like an error in the application's log. Turn it off in a {@code finally}.
     */
    public static void quiet(boolean on) {
        quiet.set(on);
    }

    private static void emit(Level level, String line) {
        if (level == Level.ERROR && quiet.get() || level == Level.WARN && isExpected(line)) {
            level = Level.DEBUG;
        }
        if (level == Level.ERROR && firstError.get() == null) {
            firstError.set(line);
        }
        log.atLevel(level).log(line);
        for (BiConsumer<Level, String> listener : listeners) {
            listener.accept(level, line);
        }
    }

    /**
     * Warnings llama.cpp prints for choices this backend makes on purpose, or for common model
     * files: a context smaller than the trained one (the caller's contextSize), a batch below the
     * mask padding (raised by llama.cpp), EOS missing from the end-of-generation list (llama.cpp
     * adds it), optional special-token ids stored as -1 (the GGUF converter's way of writing
     * "none"), a token that looks like a control token but is not marked as one (Gemma 3's
     * {@code </s>}; llama.cpp overrides its type), the full-size sliding-window cache of the
     * current llama.cpp (its default, which lets a sequence's earlier cells be reused), and an
     * embeddings context's pooling named although the model declares another or none (the
     * backend resolves the model's default itself). They would repeat with every model or
     * processor without telling the application anything.
     */
    private static boolean isExpected(String warning) {
        return warning.startsWith("llama_context: n_ctx_per_seq (") && warning.contains(") < n_ctx_train (")
                || warning.startsWith("llama_context: n_ctx_seq (") && warning.contains(") < n_ctx_train (")
                || warning.startsWith("llama_context: n_batch is less than GGML_KQ_MASK_PAD")
                || warning.startsWith("load: special_eos_id is not in special_eog_ids")
                || warning.startsWith("load: bad special token: ") && warning.endsWith("= 4294967295, using default id -1")
                || warning.startsWith("load: control-looking token: ") && warning.endsWith("its type will be overridden")
                || warning.startsWith("llama_kv_cache_iswa: using full-size SWA cache")
                || warning.startsWith("llama_init_from_model: model default pooling_type is [");
    }

    /** Logs a message of this backend's own under the native logger, at DEBUG. */
    static void debug(String message) {
        log.debug(message);
    }

    /**
     * The first ERROR line llama.cpp logged on this thread since {@link #clearFirstError()}, or
     * null: the reason behind a NULL from a load call, for the exception message (the lines after
     * it only say that loading failed).
     */
    public static String firstError() {
        return firstError.get();
    }

    public static void clearFirstError() {
        firstError.remove();
    }

    /**
     * Also passes every joined line to {@code listener} (for tests and diagnostics).
     *
     * @return removes the listener again
     */
    public static Runnable addListener(BiConsumer<Level, String> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
