package dev.jvmllm.examples.cli;

import dev.jvmllm.onnx.GgufToOnnxConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code llm convert}: writes a llama GGUF as an ONNX model directory. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a llama-architecture GGUF (F32 weights) into an ONNX model directory (Hugging Face layout).")
final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--to", required = true, paramLabel = "FORMAT", description = "target format: onnx")
    String format;

    @Option(names = "--model", required = true, paramLabel = "FILE.gguf")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!format.equalsIgnoreCase("onnx")) {
            throw new IllegalArgumentException("unknown target format '" + format + "': only onnx is supported");
        }
        GgufToOnnxConverter.convert(model, out);
        System.err.println("wrote " + out.toAbsolutePath());
        return 0;
    }
}
