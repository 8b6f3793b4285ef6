package dev.jvmllm.examples.cli;

import dev.jvmllm.api.LlmException;
import dev.jvmllm.examples.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code llm} command line: generate, serve, bench, soak, convert, quantize, random-model. */
@Command(name = "llm", mixinStandardHelpOptions = true, version = "jvmllm 0.1.0",
        description = "Run large language models from the JVM.",
        subcommands = {GenerateCommand.class, ServeCommand.class, BenchCommand.class, SoakCommand.class, ConvertCommand.class,
                QuantizeCommand.class, RandomModelCommand.class})
public final class LlmCommand implements Runnable {
    /** What starts the one line a library error becomes on stderr. */
    public static final String ERROR_PREFIX = "llm: ";

    public static void main(String[] args) {
        // quiet by default: stdout carries only generated text, logs go to stderr
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        // DJL's tokenizer looks for CUDA on every start and warns when there is none: not news on a CPU machine
        System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        // exit explicitly: the bench's peer (java-llama.cpp) leaves a native thread that would keep the JVM alive
        System.exit(commandLine().execute(args));
    }

    /** The command line with its error handling: a library error is one line on stderr and exit code 1. */
    static CommandLine commandLine() {
        return new CommandLine(new LlmCommand())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof LlmException || e instanceof IllegalArgumentException) {
                        cmd.getErr().println(ERROR_PREFIX + e.getMessage());
                        return 1;
                    }
                    throw e;
                });
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }
}
