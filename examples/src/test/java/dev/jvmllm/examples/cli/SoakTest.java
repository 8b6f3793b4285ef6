package dev.jvmllm.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jvmllm.examples.soak.SoakReport;
import dev.jvmllm.testing.TestAssets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code llm soak} for 60 s on stories260K, in a JVM of its own (so that its threads, descriptors
 * and memory are the server's alone, not this test JVM's), with the heap fixed and touched up
 * front so that resident memory shows what the server holds, not a heap still growing. Nothing
 * here depends on how fast the machine is: the counts are checked for being there, not for their
 * size, and the only time limit is the hang timeout of the soak itself.
 */
class SoakTest {
    @TempDir
    Path dir;

    @Test
    void aMinuteOfMixedLoadAccountsForEveryRequestAndLeaksNothing() throws Exception {
        Path model = TestAssets.stories();
        Path json = dir.resolve("soak.json");
        Path log = dir.resolve("soak.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xms256m",
                "-Xmx256m", "-XX:+AlwaysPreTouch", "-cp", System.getProperty("java.class.path"),
                LlmCommand.class.getName(), "soak", "--model", model.toString(), "--seconds", "60", "--clients", "8",
                "--report-seconds", "10", "--json", json.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // the soak's own limits end it: 60 s of load, at most 120 s for a hung request, 45 s to settle
        boolean ended = process.waitFor(6, TimeUnit.MINUTES);
        if (!ended) {
            process.destroyForcibly();
        }
        String output = Files.readString(log);
        System.out.println(output);
        assertThat(ended).as("the soak ended").isTrue();
        assertThat(process.exitValue()).as(output).isZero();

        SoakReport report = new ObjectMapper().readValue(json.toFile(), SoakReport.class);
        assertThat(report.failures()).isEmpty();
        assertThat(report.counts().lost()).as("lost or hung requests").isEmpty();
        assertThat(report.counts().total()).as("every request accounted for").isEqualTo(report.requestsSent());
        assertThat(report.counts().succeeded()).as("succeeded").isPositive();
        assertThat(report.counts().cancelled()).as("hung up by their client").isPositive();
        assertThat(report.counts().refused(400)).as("bad requests: malformed JSON, an unknown field").isPositive();
        assertThat(report.counts().refused(404)).as("bad requests: an unknown model").isPositive();
        assertThat(report.counts().refused(429) + report.counts().refused(503)).as("refused under bursts")
                .isPositive();
        assertThat(report.endThreads()).as("threads after the load, new: %s", report.newThreads())
                .isLessThanOrEqualTo(report.baselineThreads());
        assertThat(report.endDescriptors()).as("file descriptors after the load, new: %s", report.newDescriptors())
                .isLessThanOrEqualTo(report.baselineDescriptors());
        assertThat(report.rssGrowth()).as("resident memory growth after 20 s").isLessThan(0.05);
        assertThat(report.server().activeSequences()).isZero();
        assertThat(report.server().queueDepth()).isZero();
        assertThat(report.server().requestsFinished()).isEqualTo(report.server().requestsSubmitted());
        assertThat(report.server().httpInFlight()).isZero();
    }
}
