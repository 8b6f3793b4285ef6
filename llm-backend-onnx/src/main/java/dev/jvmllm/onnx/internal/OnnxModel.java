package dev.jvmllm.onnx.internal;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.InvalidRequestException;
import dev.jvmllm.api.LlmException;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelInfo;
import dev.jvmllm.api.ModelLoadException;
import dev.jvmllm.api.ProcessorOptions;
import dev.jvmllm.api.SpecialTokens;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A decoder-only model in the Hugging Face ONNX layout: {@code model.onnx} run by ONNX Runtime,
 * {@code config.json}, {@code tokenizer.json} and, when present, {@code tokenizer_config.json}.
 *
 * <p>ONNX Runtime fixes a session's thread count when the session is created, so the model keeps
 * one session per thread count that its processors ask for (usually just one); sessions share
 * nothing but the file, and all of them are closed with the model.
 */
public final class OnnxModel implements Model {
    /** The backend name, as {@link dev.jvmllm.spi.Backend#name()} and {@link ModelInfo#backend()} report it. */
    public static final String BACKEND = "onnx";

    private final Path modelFile;
    private final ModelInfo info;
    private final DecoderSignature signature;
    private final HfTokenizer tokenizer;
    private final SpecialTokens specialTokens;
    private final boolean[] endOfGeneration;
    private final Optional<String> chatTemplate;
    private final Map<Integer, OrtSession> sessions = new HashMap<>();
    private boolean closed;

    private OnnxModel(Path modelFile, ModelInfo info, DecoderSignature signature, HfTokenizer tokenizer,
                      SpecialTokens specialTokens, boolean[] endOfGeneration, Optional<String> chatTemplate,
                      int threads, OrtSession session) {
        this.modelFile = modelFile;
        this.info = info;
        this.signature = signature;
        this.tokenizer = tokenizer;
        this.specialTokens = specialTokens;
        this.endOfGeneration = endOfGeneration;
        this.chatTemplate = chatTemplate;
        sessions.put(threads, session);
    }

    /**
     * Opens a model directory (or the {@code model.onnx} inside one).
     *
     * @throws ModelLoadException naming the missing file or the disagreement found
     */
    public static OnnxModel open(Path path) {
        Path directory = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Path modelFile = directory.resolve("model.onnx");
        if (!Files.isRegularFile(modelFile)) {
            throw new ModelLoadException(directory + " has no model.onnx: an ONNX model directory holds model.onnx,"
                    + " config.json and tokenizer.json (convert a GGUF with ./llm convert --to onnx)");
        }
        ModelConfig config = ModelConfig.read(directory);
        long weightBytes = weightBytes(modelFile);
        int threads = defaultThreads(weightBytes);
        OrtSession session = createSession(modelFile, threads, false);
        HfTokenizer tokenizer = null;
        try {
            DecoderSignature signature = DecoderSignature.discover(session, config, modelFile);
            tokenizer = HfTokenizer.load(directory, signature.vocabularySize());
            TokenizerConfig tokenizerConfig = TokenizerConfig.read(directory);
            SpecialTokens special = specialTokens(config, tokenizerConfig, tokenizer);
            boolean[] end = new boolean[signature.vocabularySize()];
            for (int id : config.endOfGeneration()) {
                if (id >= 0 && id < end.length) {
                    end[id] = true;
                }
            }
            if (special.eos() != SpecialTokens.NONE) {
                end[special.eos()] = true;
            }
            String name = directory.getFileName() == null ? directory.toString() : directory.getFileName().toString();
            ModelInfo info = new ModelInfo(name, directory, BACKEND, config.modelType(), signature.vocabularySize(),
                    config.contextLength(), weightBytes, "onnxruntime " + environment().getVersion(), threads, threads);
            return new OnnxModel(modelFile, info, signature, tokenizer, special, end,
                    tokenizerConfig.chatTemplate(), threads, session);
        } catch (RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            try {
                closeSession(session);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Below this size a forward pass is so short that splitting it across threads costs more in
     * synchronisation than it saves (measured on stories260K converted to ONNX, 2 cores).
     */
    static final long SINGLE_THREAD_WEIGHT_BYTES = 64L << 20;

    /** One thread for models under {@link #SINGLE_THREAD_WEIGHT_BYTES} of weights, every core above. */
    static int defaultThreads(long weightBytes) {
        return weightBytes < SINGLE_THREAD_WEIGHT_BYTES ? 1 : Runtime.getRuntime().availableProcessors();
    }

    static OrtEnvironment environment() {
        return OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "jvmllm");
    }

    /** The size of model.onnx and, when the weights are stored beside it, model.onnx.data. */
    static long weightBytes(Path modelFile) {
        try {
            Path external = modelFile.resolveSibling(modelFile.getFileName() + ".data");
            return Files.size(modelFile) + (Files.isRegularFile(external) ? Files.size(external) : 0);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + modelFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public SpecialTokens specialTokens() {
        return specialTokens;
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return token >= 0 && token < endOfGeneration.length && endOfGeneration[token];
    }

    @Override
    public int[] tokenize(String text, boolean addSpecial) {
        checkOpen();
        return tokenizer.encode(text, addSpecial);
    }

    @Override
    public byte[] tokenBytes(int token) {
        return tokenizer.bytes(token);
    }

    /** The vocabulary's entry for the token, as {@code tokenizer.json} spells it. */
    @Override
    public String tokenText(int token) {
        return tokenizer.text(token).orElse("");
    }

    @Override
    public Optional<String> chatTemplate() {
        return chatTemplate;
    }

    @Override
    public BatchProcessor newBatchProcessor(ProcessorOptions options) {
        int context = options.contextSize() == 0 ? info.trainedContextLength() : options.contextSize();
        if (context > info.trainedContextLength()) {
            throw new InvalidRequestException("contextSize " + context + " exceeds the model's trained context of "
                    + info.trainedContextLength() + " tokens");
        }
        return new OnnxBatchProcessor(this, session(options.effectiveThreads(info)), signature,
                options.withContextSize(context));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        sessions.values().forEach(OnnxModel::closeSession);
        sessions.clear();
        tokenizer.close();
    }

    private synchronized OrtSession session(int threads) {
        checkOpen();
        return sessions.computeIfAbsent(threads, n -> createSession(modelFile, n, false));
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the model is closed");
        }
    }

    /**
     * A CPU session on {@code threads} intra-op threads.
     *
     * @param stopSpinningAfterRun whether the pool's threads stop spinning as soon as a run ends
     *                             (between the operators of a run they spin either way): for a
     *                             model whose runs are apart, so that the threads serving the
     *                             requests get the cores in between
     */
    static OrtSession createSession(Path modelFile, int threads, boolean stopSpinningAfterRun) {
        OrtEnvironment environment = environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            if (stopSpinningAfterRun) {
                options.addConfigEntry("session.force_spinning_stop", "1");
            }
            return environment.createSession(modelFile.toString(), options);
        } catch (OrtException e) {
            throw new ModelLoadException("ONNX Runtime cannot load " + modelFile + ": " + e.getMessage(), e);
        }
    }

    private static SpecialTokens specialTokens(ModelConfig config, TokenizerConfig tokenizerConfig, HfTokenizer tokenizer) {
        int bos = config.bos().orElseGet(() -> tokenizerConfig.bosToken()
                .flatMap(text -> tokenizer.id(text).stream().boxed().findFirst()).orElse(SpecialTokens.NONE));
        int eos = config.endOfGeneration().isEmpty()
                ? tokenizerConfig.eosToken().flatMap(text -> tokenizer.id(text).stream().boxed().findFirst())
                        .orElse(SpecialTokens.NONE)
                : config.endOfGeneration().getFirst();
        return new SpecialTokens(bos, eos);
    }

    static void closeSession(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            throw new LlmException("cannot close the ONNX Runtime session: " + e.getMessage(), e);
        }
    }
}
