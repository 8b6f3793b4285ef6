package dev.jvmllm.examples.bench;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.LogFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The peer: java-llama.cpp's own {@code LlamaModel.generate} (llama-server's slot loop on a native
 * thread), one stream, or several threads with {@code setParallel(n)}. It always runs the llama.cpp
 * build inside {@code de.kherud:llama}, whichever library ours loads. Its native thread keeps the
 * JVM alive after {@code close()}, which is why the bench exits with {@code System.exit}.
 */
final class PeerPath implements BenchPath {
    static final String PATH = "peer";

    /** The llama.cpp build inside {@code de.kherud:llama} 4.2.0, as {@link dev.jvmllm.api.ModelInfo#runtime()} names it. */
    static final String LLAMA_CPP = "llama.cpp b4916";

    /** Its rows' library. */
    static final String LIBRARY = "java-" + LLAMA_CPP;

    private static final Logger log = LoggerFactory.getLogger("de.kherud.llama");

    private final int concurrency;
    private final LlamaModel model;
    private final InferenceParameters parameters;
    private final ExecutorService streams;

    PeerPath(Path modelFile, int concurrency, int threads, Workload workload) {
        LlamaModel.setLogger(LogFormat.TEXT, (level, message) -> log.debug("{}", message.strip()));
        this.concurrency = concurrency;
        this.model = new LlamaModel(new ModelParameters().setModel(modelFile.toString())
                .setCtxSize(workload.context() * concurrency).setParallel(concurrency).setGpuLayers(0)
                .setThreads(threads).setThreadsBatch(threads).disableLog());
        this.parameters = new InferenceParameters(workload.prompt()).setNPredict(workload.tokens()).setTemperature(0f)
                .setTopK(1).setCachePrompt(false);
        this.streams = Executors.newFixedThreadPool(concurrency);
    }

    @Override
    public String path() {
        return PATH;
    }

    @Override
    public String backend() {
        return "java-llama.cpp";
    }

    @Override
    public int concurrency() {
        return concurrency;
    }

    /** {@code setParallel(concurrency)} sizes its cache for as many sequences. */
    @Override
    public int cacheSequences() {
        return concurrency;
    }

    @Override
    public long runOnce() throws Exception {
        List<Future<Long>> runs = new ArrayList<>(concurrency);
        for (int i = 0; i < concurrency; i++) {
            runs.add(streams.submit(this::oneStream));
        }
        long tokens = 0;
        for (Future<Long> run : runs) {
            tokens += run.get();
        }
        return tokens;
    }

    /** One streamed completion: every output is one generated token, but for a last, empty one that only says "stop". */
    private long oneStream() {
        long outputs = 0;
        boolean lastEmpty = false;
        for (LlamaOutput output : model.generate(parameters)) {
            outputs++;
            lastEmpty = output.text.isEmpty();
        }
        return lastEmpty ? outputs - 1 : outputs;
    }

    @Override
    public void close() {
        streams.shutdownNow();
        model.close();
    }
}
