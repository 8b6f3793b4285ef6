package dev.jvmllm.examples.soak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * What this process holds, read from {@code /proc/self} and the JVM's management beans: resident
 * memory, heap in use, live platform threads, open file descriptors. Linux only ({@code /proc}).
 */
final class ProcessProbe {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path FDS = Path.of("/proc/self/fd");
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** glibc's {@code int malloc_trim(size_t pad)}, or null where the C library has none. */
    private static final MethodHandle MALLOC_TRIM = mallocTrim();

    private ProcessProbe() {
    }

    /**
     * {@code VmRSS} of {@code /proc/self/status}, in bytes, read after glibc's {@code malloc_trim}
     * has given the free memory of the C heap back to the system: memory that was freed but kept
     * by the allocator (the JIT compiler's arenas, mostly, while it still compiles) is not in use,
     * and would otherwise look like growth. What is still allocated stays resident.
     */
    static long residentBytes() {
        trimNativeHeap();
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024; // "kB" is KiB
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException(STATUS + " has no VmRSS line");
    }

    /** Whether {@link #residentBytes} trims the C heap first (glibc). */
    static boolean trimsNativeHeap() {
        return MALLOC_TRIM != null;
    }

    private static void trimNativeHeap() {
        if (MALLOC_TRIM != null) {
            try {
                int released = (int) MALLOC_TRIM.invokeExact(0L);
            } catch (Throwable e) {
                throw new IllegalStateException("malloc_trim failed", e);
            }
        }
    }

    private static MethodHandle mallocTrim() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("malloc_trim")
                    .map(symbol -> linker.downcallHandle(symbol, FunctionDescriptor.of(JAVA_INT, JAVA_LONG)))
                    .orElse(null);
        } catch (RuntimeException e) { // native access not enabled, or no such C library
            return null;
        }
    }

    /** Java heap in use (not committed), in bytes. */
    static long heapUsedBytes() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Live platform threads, daemons included ({@link ThreadMXBean#getThreadCount}); virtual threads are not counted. */
    static int liveThreads() {
        return THREADS.getThreadCount();
    }

    /** Open file descriptors: the entries of {@code /proc/self/fd}, less the one this listing opens itself. */
    static int openDescriptors() {
        return descriptors().size();
    }

    /** Every open descriptor and what it points at ({@code socket:[12345]}, a path, {@code anon_inode:[eventpoll]}). */
    static Map<Integer, String> descriptors() {
        Map<Integer, String> open = new TreeMap<>();
        List<Path> entries;
        try (Stream<Path> listing = Files.list(FDS)) {
            entries = listing.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path entry : entries) {
            try {
                open.put(Integer.parseInt(entry.getFileName().toString()), Files.readSymbolicLink(entry).toString());
            } catch (IOException e) {
                // closed since the listing: the listing's own descriptor is one of these
            }
        }
        return open;
    }

    /** The names of the live platform threads, by thread id. */
    static Map<Long, String> threadNames() {
        Map<Long, String> names = new TreeMap<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            names.put(thread.threadId(), thread.getName());
        }
        return names;
    }
}
