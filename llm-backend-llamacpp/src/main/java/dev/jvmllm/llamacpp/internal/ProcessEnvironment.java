package dev.jvmllm.llamacpp.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The C library's view of the process environment, which native libraries read ({@code getenv})
 * and {@link System#getenv} does not change: for settings a native library reads when it is loaded.
 */
@SuppressWarnings("restricted")
final class ProcessEnvironment {
    private static final Logger log = LoggerFactory.getLogger(ProcessEnvironment.class);

    private ProcessEnvironment() {
    }

    /**
     * Sets {@code name=value} with libc's {@code setenv} unless the variable is set (the user's
     * choice wins). Does nothing where there is no {@code setenv} (Windows).
     */
    static void setIfUnset(String name, String value) {
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> getenv = linker.defaultLookup().find("getenv");
        Optional<MemorySegment> setenv = linker.defaultLookup().find("setenv");
        if (getenv.isEmpty() || setenv.isEmpty()) {
            return;
        }
        MethodHandle get = linker.downcallHandle(getenv.get(), FunctionDescriptor.of(ADDRESS, ADDRESS));
        MethodHandle set = linker.downcallHandle(setenv.get(), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocateFrom(name);
            MemorySegment current = (MemorySegment) get.invokeExact(key);
            if (!current.equals(MemorySegment.NULL)) {
                log.debug("{} is set to {}; leaving it", name, current.reinterpret(4096).getString(0));
                return;
            }
            int result = (int) set.invokeExact(key, arena.allocateFrom(value), 0);
            if (result != 0) {
                log.warn("could not set {}={} in the process environment", name, value);
            }
        } catch (Throwable t) {
            throw LlamaLibrary.rethrow(t);
        }
    }
}
