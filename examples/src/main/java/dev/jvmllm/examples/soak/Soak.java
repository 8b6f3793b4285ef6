package dev.jvmllm.examples.soak;

import dev.jvmllm.api.Scheduler;
import dev.jvmllm.api.SchedulerMetrics;
import dev.jvmllm.http.LlmServer;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A soak of a server in this process: steady clients over loopback sending a mix of requests
 * (JSON and SSE; completions, chat and {@code /generate}; streams and waits hung up on purpose;
 * malformed JSON, an unknown field, an unknown model), with bursts of many requests at once that
 * overflow the scheduler's queue, while a table of the process's resources is printed. Every
 * request is accounted for (see {@link Outcome}); afterwards the threads and file descriptors
 * must be back to where they were after the warm-up, the server idle, and the resident memory
 * must not have grown by {@link Settings#rssTolerance} or more since {@link Settings#rssMark}
 * into the load.
 *
 * <p>Threads are compared exactly: every thread that serves a request ends with its connection
 * (the transport's connection threads, the soak's own clients), and the clients are platform
 * threads that the soak joins before it counts. Should a transport run its connections on
 * virtual threads, only their carriers are counted, which the JDK keeps until 30 s idle; the
 * settle wait covers that ({@link Settings#settle}).
 */
public final class Soak {
    /** When the first burst comes, from the start of the load. */
    private static final Duration FIRST_BURST = Duration.ofSeconds(2);
    private static final Duration POLL = Duration.ofMillis(100);
    /** How long a steady client waits after a 429 or 503 (the server's Retry-After); bursts do not wait. */
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final LlmServer server;
    private final Scheduler scheduler;
    private final Settings settings;
    private final OptionalLong kvBytesPerToken;
    private final PrintStream out;
    private final Tally tally = new Tally();
    private final List<SoakRequest> schedule;
    private final SoakRequest burstRequest;
    private final List<SoakReport.Row> rows = new ArrayList<>();
    private long loadStart;

    /**
     * What a soak does.
     *
     * @param duration how long the load runs
     * @param warmUp how long the same load runs before, uncounted, ahead of the baseline
     * @param clients steady clients, each sending one request after another
     * @param reportEvery how often a row of the table is printed
     * @param burstSize requests sent at once in each burst, on connections opened beforehand
     * @param burstEvery the pause between the end of a burst and the next (the first comes 2 s into the load)
     * @param hangTimeout how long any read of an answer may wait before the request counts as hung
     * @param settle how long the threads and descriptors may take to come back after the load
     * @param rssMark how far into the load the resident memory is first read for the growth check
     * @param rssTolerance the growth since the mark that fails the soak: 0.05 is 5 %
     */
    public record Settings(Duration duration, Duration warmUp, int clients, Duration reportEvery, int burstSize,
                           Duration burstEvery, Duration hangTimeout, Duration settle, Duration rssMark, double rssTolerance) {
        public Settings {
            if (clients < 1 || burstSize < 1) {
                throw new IllegalArgumentException("a soak needs at least one client and a burst of one, got "
                        + clients + " and " + burstSize);
            }
            if (duration.isNegative() || duration.isZero() || reportEvery.isNegative() || reportEvery.isZero()) {
                throw new IllegalArgumentException("the duration and the report interval must be positive");
            }
        }

        /** The defaults for {@code duration}: 8 clients, a row every 30 s, bursts of twice what the scheduler holds 10 s apart. */
        public static Settings defaults(Duration duration, Scheduler scheduler) {
            return new Settings(duration, Duration.ofSeconds(10), 8, Duration.ofSeconds(30),
                    2 * (scheduler.maxSequences() + scheduler.maxQueued()),
                    Duration.ofSeconds(10), Duration.ofSeconds(120), Duration.ofSeconds(45), Duration.ofSeconds(20), 0.05);
        }

        public Settings withClients(int value) {
            return new Settings(duration, warmUp, value, reportEvery, burstSize, burstEvery, hangTimeout, settle, rssMark,
                    rssTolerance);
        }

        public Settings withReportEvery(Duration value) {
            return new Settings(duration, warmUp, clients, value, burstSize, burstEvery, hangTimeout, settle, rssMark,
                    rssTolerance);
        }
    }

    /**
     * @param kvBytesPerToken the native bytes one token takes in the KV cache, if known ({@code KvCacheSize})
     * @param out where the table goes
     */
    private Soak(LlmServer server, Scheduler scheduler, Settings settings, OptionalLong kvBytesPerToken,
                 PrintStream out) {
        this.server = server;
        this.scheduler = scheduler;
        this.settings = settings;
        this.kvBytesPerToken = kvBytesPerToken;
        this.out = out;
        int shortAnswer = 8;
        // long enough to be still running when its client hangs up, short enough for the context
        int longAnswer = Math.max(shortAnswer, Math.min(512, scheduler.contextSize() / 2));
        String prompt = "Once upon a time";
        String chat = "Tell me a story.";
        SoakRequest streamHangUp = SoakRequest.streamThenHangUp(chat, longAnswer, 3);
        this.schedule = List.of(
                SoakRequest.completion(prompt, shortAnswer, false),
                SoakRequest.chat(chat, shortAnswer, true),
                SoakRequest.generate(prompt, shortAnswer, false),
                streamHangUp,
                SoakRequest.completion(prompt, shortAnswer, true),
                SoakRequest.malformedJson(),
                SoakRequest.chat(chat, shortAnswer, false),
                SoakRequest.generate(prompt, shortAnswer, true),
                SoakRequest.waitThenHangUp(prompt, longAnswer, 50),
                SoakRequest.completion(prompt, shortAnswer, false),
                SoakRequest.unknownField(),
                SoakRequest.chat(chat, shortAnswer, true),
                SoakRequest.generate(prompt, shortAnswer, false),
                SoakRequest.unknownModel(),
                SoakRequest.completion(prompt, shortAnswer, true),
                streamHangUp);
        this.burstRequest = SoakRequest.completion(prompt, 32, false);
    }

    /** Runs a soak against {@code server}, which serves {@code scheduler}, printing the table to {@code out}. */
    public static SoakReport run(LlmServer server, Scheduler scheduler, Settings settings, OptionalLong kvBytesPerToken,
                                 PrintStream out) throws InterruptedException {
        return new Soak(server, scheduler, settings, kvBytesPerToken, out).run();
    }

    private SoakReport run() throws InterruptedException {
        warmUp();
        awaitServerIdle(settings.settle());
        Settled baseline = settled(Integer.MAX_VALUE, Integer.MAX_VALUE, Duration.ofSeconds(5));
        out.printf("soak: %d clients and bursts of %d, %d s apart, for %s on %s; baseline after the warm-up:"
                        + " %d threads, %d file descriptors%n", settings.clients(), settings.burstSize(),
                settings.burstEvery().toSeconds(), format(settings.duration()), server.modelName(), baseline.threads,
                baseline.descriptors);
        kvBytesPerToken.ifPresentOrElse(
                bytes -> out.printf("KV cache: %d bytes per token (F16, from the GGUF); %d tokens allocated = %.1f MiB%n",
                        bytes, scheduler.metrics().kvCacheCapacityTokens(),
                        mib(bytes * scheduler.metrics().kvCacheCapacityTokens())),
                () -> out.println("KV cache: bytes per token unknown for this model: tokens only"));
        if (!ProcessProbe.trimsNativeHeap()) {
            out.println("note: no malloc_trim here: RSS includes C-heap memory freed but kept by the allocator");
        }
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        if (heap.getInit() < heap.getMax()) {
            out.printf("note: the heap may grow from %.0f to %.0f MiB, which RSS would show: fix it for a soak"
                    + " (-Xms = -Xmx, -XX:+AlwaysPreTouch)%n", mib(heap.getInit()), mib(heap.getMax()));
        }
        out.println(header());

        Load load = new Load(tally);
        loadStart = load.start;
        long rssAtMark = report();
        List<String> failures = new ArrayList<>(load.stop());
        double loadSeconds = seconds(System.nanoTime() - loadStart);

        awaitServerIdle(settings.settle());
        SoakReport.ServerState serverState = serverState();
        long settleStart = System.nanoTime();
        Settled end = settled(baseline.threads, baseline.descriptors, settings.settle());
        double settleSeconds = seconds(System.nanoTime() - settleStart);
        SoakReport.Row last = row(loadSeconds);
        rows.add(last);
        out.println(format(last));

        SoakCounts counts = tally.snapshot();
        long rssEnd = last.rssBytes();
        List<String> newThreads = end.threadNames.entrySet().stream()
                .filter(e -> !baseline.threadNames.containsKey(e.getKey())).map(Map.Entry::getValue).toList();
        List<String> newDescriptors = end.descriptorTargets.entrySet().stream()
                .filter(e -> !e.getValue().equals(baseline.descriptorTargets.get(e.getKey())))
                .map(e -> e.getKey() + " -> " + e.getValue()).toList();
        if (counts.lostTotal() > 0) {
            failures.add(counts.lostTotal() + " requests lost: " + counts.lost() + "; for example " + counts.lostExamples());
        }
        if (counts.total() != load.sent.get()) {
            failures.add(load.sent.get() + " requests sent, " + counts.total() + " accounted for");
        }
        if (end.threads > baseline.threads) {
            failures.add("threads: " + end.threads + " after the load, " + baseline.threads + " before; new: " + newThreads);
        }
        if (end.descriptors > baseline.descriptors) {
            failures.add("file descriptors: " + end.descriptors + " after the load, " + baseline.descriptors
                    + " before; new: " + newDescriptors);
        }
        if (!serverState.idle()) {
            failures.add("the server is not idle after the load: " + serverState);
        }
        double markSeconds = Math.min(settings.rssMark().toNanos(), settings.duration().toNanos()) / 1e9;
        double rssGrowth = (double) (rssEnd - rssAtMark) / rssAtMark;
        if (rssGrowth >= settings.rssTolerance()) {
            failures.add(String.format("resident memory grew %.1f %% from %.0f s to the end (%.1f to %.1f MiB)",
                    100 * rssGrowth, markSeconds, mib(rssAtMark), mib(rssEnd)));
        }
        SoakReport report = new SoakReport(server.modelName(), settings.clients(), List.copyOf(rows), load.sent.get(),
                counts, baseline.threads, end.threads, baseline.descriptors, end.descriptors, newThreads,
                newDescriptors, settleSeconds, markSeconds, rssAtMark, rssEnd, serverState, List.copyOf(failures));
        summarize(report);
        return report;
    }

    /**
     * Each kind of request once, one burst, then the load itself for {@link Settings#warmUp}: the
     * baseline then holds whatever the first of each opens, and the JIT compiler has done most of
     * its work (its code and arenas are most of the resident memory that still grows early on).
     */
    private void warmUp() throws InterruptedException {
        Tally warmUp = new Tally();
        try (SoakClient client = new SoakClient(server.port(), (int) settings.hangTimeout().toMillis(), warmUp)) {
            for (SoakRequest request : schedule) {
                client.run(request);
            }
            client.run(SoakRequest.ready());
        }
        burst(warmUp, new AtomicLong());
        Load load = new Load(warmUp);
        Thread.sleep(settings.warmUp());
        List<String> unfinished = load.stop();
        SoakCounts counts = warmUp.snapshot();
        if (counts.lostTotal() > 0 || !unfinished.isEmpty()) {
            throw new IllegalStateException("the warm-up lost requests: " + counts.lost() + " " + counts.lostExamples()
                    + " " + unfinished);
        }
        out.printf("warm-up: %d requests in %s%n", counts.total(), format(settings.warmUp()));
    }

    /** The main thread during the load: a row every report interval; returns the resident memory at the mark. */
    private long report() throws InterruptedException {
        long end = loadStart + settings.duration().toNanos();
        long mark = loadStart + Math.min(settings.rssMark().toNanos(), settings.duration().toNanos());
        long rssAtMark = -1;
        long nextRow = loadStart + settings.reportEvery().toNanos();
        while (true) {
            long now = System.nanoTime();
            if (rssAtMark < 0 && now >= mark) {
                rssAtMark = ProcessProbe.residentBytes();
            }
            if (now >= end) {
                return rssAtMark;
            }
            if (now >= nextRow) {
                SoakReport.Row row = row(seconds(now - loadStart));
                rows.add(row);
                out.println(format(row));
                nextRow += settings.reportEvery().toNanos();
            }
            long wake = Math.min(end, Math.min(nextRow, rssAtMark < 0 ? mark : Long.MAX_VALUE));
            TimeUnit.NANOSECONDS.sleep(Math.max(0, wake - System.nanoTime()));
        }
    }

    /** The steady clients and the bursts, from its creation until {@link #stop}. */
    private final class Load {
        final Tally tally;
        final AtomicLong sent = new AtomicLong();
        final CountDownLatch stop = new CountDownLatch(1);
        final long start = System.nanoTime();
        final List<Thread> threads = new ArrayList<>();

        Load(Tally tally) {
            this.tally = tally;
            for (int i = 0; i < settings.clients(); i++) {
                int offset = i * 5 % schedule.size();
                threads.add(Thread.ofPlatform().name("soak-client-" + i).start(() -> steadyClient(offset)));
            }
            threads.add(Thread.ofPlatform().name("soak-bursts").start(this::bursts));
        }

        /** Stops the clients after their current request and waits for them; returns those that did not end. */
        List<String> stop() throws InterruptedException {
            stop.countDown();
            List<String> failures = new ArrayList<>();
            long deadline = System.nanoTime() + settings.hangTimeout().plusSeconds(30).toNanos();
            for (Thread thread : threads) {
                thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (thread.isAlive()) {
                    failures.add(thread.getName() + " did not finish within the hang timeout after the load");
                }
            }
            return failures;
        }

        private void steadyClient(int offset) {
            try (SoakClient client = new SoakClient(server.port(), (int) settings.hangTimeout().toMillis(), tally)) {
                for (int i = offset; stop.getCount() > 0; i++) {
                    sent.incrementAndGet();
                    if (client.run(schedule.get(i % schedule.size())) instanceof Outcome.Refused(int status)
                            && (status == 429 || status == 503)) {
                        // as a well-behaved client does: wait the Retry-After (the server's is 1 s) before the next
                        stop.await(RETRY_AFTER.toMillis(), TimeUnit.MILLISECONDS);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void bursts() {
            try {
                // the next burst comes burstEvery after the previous one ended: on a slow model a burst can take
                // longer than that, and bursts back to back would leave the steady clients nothing but 429s
                long burstEvery = settings.burstEvery().toNanos();
                for (long at = start + FIRST_BURST.toNanos(); ; at = System.nanoTime() + burstEvery) {
                    if (stop.await(Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        return;
                    }
                    burst(tally, sent);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * {@link Settings#burstSize} requests on connections opened first, released together, and a
     * {@code /ready} while they wait: more than the scheduler holds, so some must be refused.
     */
    private void burst(Tally into, AtomicLong count) throws InterruptedException {
        int timeout = (int) settings.hangTimeout().toMillis();
        List<SoakClient> clients = new ArrayList<>();
        for (int i = 0; i < settings.burstSize(); i++) {
            SoakClient client = new SoakClient(server.port(), timeout, into);
            try {
                client.connect();
                clients.add(client);
            } catch (IOException e) {
                count.incrementAndGet();
                into.count(new Outcome.Lost("I/O error", "connecting for a burst: " + e));
            }
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (SoakClient client : clients) {
            threads.add(Thread.ofPlatform().name("soak-burst").start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                client.run(burstRequest);
            }));
        }
        count.addAndGet(clients.size() + 1);
        go.countDown();
        try (SoakClient ready = new SoakClient(server.port(), timeout, into)) {
            Thread.sleep(5);
            ready.run(SoakRequest.ready());
        }
        for (Thread thread : threads) {
            thread.join();
        }
        clients.forEach(SoakClient::close);
    }

    /** Waits until the scheduler has no request, running or queued (a hung-up one ends within a step or two). */
    private void awaitServerIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            SchedulerMetrics metrics = scheduler.metrics();
            if (metrics.activeSequences() == 0 && metrics.queueDepth() == 0
                    && metrics.requestsSubmitted() == metrics.requestsFinished()) {
                return;
            }
            Thread.sleep(POLL);
        }
    }

    private SoakReport.ServerState serverState() {
        SchedulerMetrics metrics = scheduler.metrics();
        return new SoakReport.ServerState(metrics.activeSequences(), metrics.queueDepth(), metrics.requestsSubmitted(),
                metrics.requestsFinished(), metrics.kvCacheTokens(), metrics.kvCacheCapacityTokens(), httpInFlight());
    }

    /** {@code jvmllm_http_requests_in_flight} from {@code /metrics}, less this request itself; -1 where unreadable. */
    private long httpInFlight() {
        try (HttpConnection connection = new HttpConnection(server.port(), (int) settings.hangTimeout().toMillis())) {
            connection.send("GET", "/metrics", null);
            HttpConnection.Head head = connection.readHead();
            StringBuilder text = new StringBuilder();
            connection.readBody(head, piece -> {
                text.append(new String(piece, java.nio.charset.StandardCharsets.UTF_8));
                return true;
            });
            for (String line : text.toString().split("\n")) {
                if (line.startsWith("jvmllm_http_requests_in_flight")) {
                    double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    return Math.max(0, (long) value - 1); // the /metrics request counts itself, where it is counted
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private record Settled(int threads, int descriptors, Map<Long, String> threadNames,
                           Map<Integer, String> descriptorTargets) {
    }

    /**
     * Waits until the threads and descriptors are at most {@code threads} and {@code descriptors}
     * and hold still for two looks in a row, or {@code timeout} has passed; returns what it saw last.
     */
    private static Settled settled(int threads, int descriptors, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int lastThreads = -1;
        int lastDescriptors = -1;
        while (true) {
            int nowThreads = ProcessProbe.liveThreads();
            int nowDescriptors = ProcessProbe.openDescriptors();
            boolean steady = nowThreads == lastThreads && nowDescriptors == lastDescriptors;
            if ((steady && nowThreads <= threads && nowDescriptors <= descriptors) || System.nanoTime() >= deadline) {
                return new Settled(nowThreads, nowDescriptors, ProcessProbe.threadNames(), ProcessProbe.descriptors());
            }
            lastThreads = nowThreads;
            lastDescriptors = nowDescriptors;
            Thread.sleep(POLL);
        }
    }

    private SoakReport.Row row(double elapsedSeconds) {
        SoakCounts counts = tally.snapshot();
        long kvTokens = scheduler.metrics().kvCacheTokens();
        return new SoakReport.Row(elapsedSeconds, counts.total(), counts.succeeded(), counts.refused(),
                counts.cancelled(), counts.lostTotal(), ProcessProbe.residentBytes(), ProcessProbe.heapUsedBytes(),
                kvTokens, kvBytesPerToken.isPresent() ? kvTokens * kvBytesPerToken.getAsLong() : -1,
                ProcessProbe.liveThreads(), ProcessProbe.openDescriptors());
    }

    private static final String ROW = "%8s %8s %8s %6s %6s %6s %6s %9s %5s %8s %8s %9s %7s %7s %5s";

    private static String header() {
        return String.format(ROW, "elapsed", "requests", "ok", "400", "404", "429", "503", "cancelled", "lost",
                "RSS MiB", "heap MiB", "KV tokens", "KV MiB", "threads", "fds");
    }

    private static String format(SoakReport.Row row) {
        return String.format(ROW, Math.round(row.elapsedSeconds()) + " s", row.requests(), row.succeeded(),
                refused(row, 400), refused(row, 404), refused(row, 429), refused(row, 503), row.cancelled(),
                row.lost(), String.format("%.1f", mib(row.rssBytes())), String.format("%.1f", mib(row.heapUsedBytes())),
                row.kvTokens(), row.kvBytes() < 0 ? "?" : String.format("%.2f", mib(row.kvBytes())), row.threads(),
                row.descriptors());
    }

    private static long refused(SoakReport.Row row, int status) {
        return row.refused().getOrDefault(status, 0L);
    }

    private void summarize(SoakReport report) {
        SoakCounts counts = report.counts();
        out.printf("requests: %d sent, %d accounted for: %d succeeded, %d refused %s, %d cancelled by their client,"
                        + " %d lost%s; %d sent again after an idle close%n", report.requestsSent(), counts.total(),
                counts.succeeded(), counts.refusedTotal(), counts.refused(), counts.cancelled(), counts.lostTotal(),
                counts.lost().isEmpty() ? "" : " " + counts.lost(), counts.staleRetries());
        out.printf("threads: %d before the load, %d after (settled in %.1f s); file descriptors: %d before, %d after%n",
                report.baselineThreads(), report.endThreads(), report.settleSeconds(), report.baselineDescriptors(),
                report.endDescriptors());
        out.printf("resident memory: %.1f MiB at %.0f s, %.1f MiB at the end: %+.1f %%%n", mib(report.rssAtMarkBytes()),
                report.rssMarkSeconds(), mib(report.rssEndBytes()), 100 * report.rssGrowth());
        SoakReport.ServerState s = report.server();
        out.printf("server after the load: %d running, %d queued, %d of %d accepted requests finished, %d HTTP requests"
                        + " in flight, %d KV tokens held (cached prefixes)%n", s.activeSequences(), s.queueDepth(),
                s.requestsFinished(), s.requestsSubmitted(), s.httpInFlight(), s.kvCacheTokens());
        if (report.passed()) {
            out.println("soak passed");
        } else {
            report.failures().forEach(failure -> out.println("FAILED: " + failure));
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    private static String format(Duration duration) {
        return duration.toSeconds() % 60 == 0 ? duration.toMinutes() + " min" : duration.toSeconds() + " s";
    }
}
