package dev.jvmllm.http.internal;

import io.helidon.logging.common.spi.LoggingProvider;

/**
 * Tells Helidon that logging is taken care of: its messages go through {@code System.Logger} to
 * SLF4J ({@code slf4j-jdk-platform-logging}), which the application configures. Without a
 * provider Helidon prints a line to standard error at every start.
 */
public final class Slf4jLogging implements LoggingProvider {
    @Override
    public void initialization() {
    }

    @Override
    public void runTime() {
    }
}
