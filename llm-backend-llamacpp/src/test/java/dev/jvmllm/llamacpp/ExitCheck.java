package dev.jvmllm.llamacpp;

import dev.jvmllm.api.BatchProcessor;
import dev.jvmllm.api.Model;
import dev.jvmllm.api.ModelOptions;
import dev.jvmllm.api.ProcessorOptions;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * The program that {@link JvmExitTest} and {@link ProcessEnvironmentTest} run in a child JVM:
 * loads a model on the library named by its third argument, generates, prints the OpenMP settings
 * the process environment then holds (as libc sees them), and returns from main without
 * System.exit. With "leak" it does not close anything, like a careless application.
 */
@SuppressWarnings("restricted")
public final class ExitCheck {
    private ExitCheck() {
    }

    public static void main(String[] args) throws Throwable {
        boolean leak = args[1].equals("leak");
        Model model = new LlamaCppBackend().open(Path.of(args[0]), ModelOptions.defaults().withNativeLibrary(args[2]));
        BatchProcessor processor = model.newBatchProcessor(ProcessorOptions.defaults().withContextSize(64));
        int[] tokens = Greedy.generate(processor, 0, model.tokenize("Once upon a time", true), 16);
        System.out.println("generated " + tokens.length + " tokens");
        System.out.println("OMP_WAIT_POLICY=" + getenv("OMP_WAIT_POLICY") + " GOMP_SPINCOUNT=" + getenv("GOMP_SPINCOUNT"));
        if (!leak) {
            processor.close();
            model.close();
        }
    }

    private static String getenv(String name) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle getenv = linker.downcallHandle(linker.defaultLookup().findOrThrow("getenv"),
                FunctionDescriptor.of(ADDRESS, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = (MemorySegment) getenv.invokeExact(arena.allocateFrom(name));
            return value.equals(MemorySegment.NULL) ? "(unset)" : value.reinterpret(256).getString(0);
        }
    }
}
