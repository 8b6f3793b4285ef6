package dev.jvmllm.examples.bench;

import java.util.List;

/**
 * The rows of one bench run, in table order, and how each finds the rows it compares with.
 *
 * @param rows every configuration's rows, then the peer's
 */
record BenchRows(List<BenchRow> rows) {

    /** Our configurations (not the peer's), in table order. */
    List<Configuration> configurations() {
        return rows.stream().filter(r -> !r.path().equals(PeerPath.PATH)).map(BenchRow::configuration).distinct().toList();
    }

    /** The row of that configuration, path, concurrency and cache; null where it did not run. */
    BenchRow find(Configuration configuration, String path, int concurrency, int cacheSequences) {
        return rows.stream().filter(r -> r.configuration().equals(configuration) && r.path().equals(path)
                && r.concurrency() == concurrency && r.cacheSequences() == cacheSequences).findFirst().orElse(null);
    }

    /**
     * The direct row that {@code row} is compared with in the table: the one of the same
     * concurrency and cache in {@link #directConfiguration its configuration}, so that the
     * difference is what the serving layers cost.
     */
    BenchRow directBase(BenchRow row) {
        return find(directConfiguration(row), DirectPath.PATH, row.concurrency(), row.cacheSequences());
    }

    /**
     * The configuration whose direct rows {@code row} compares with: its own; for the peer, which
     * runs on no configuration of ours, {@link #peerBase the one most like it} on its threads.
     */
    Configuration directConfiguration(BenchRow row) {
        return row.path().equals(PeerPath.PATH) ? peerBase(row.threads()) : row.configuration();
    }

    /**
     * The configuration the peer on {@code threads} threads is compared with: the one on its own
     * llama.cpp build ({@value PeerPath#LLAMA_CPP}), where there is one on those threads, else
     * the first on those threads.
     */
    Configuration peerBase(int threads) {
        List<Configuration> sameThreads = configurations().stream().filter(c -> c.threads() == threads).toList();
        return sameThreads.stream().filter(c -> c.library().equals(PeerPath.LLAMA_CPP)).findFirst()
                .orElse(sameThreads.getFirst());
    }

    /** The rows with {@link BenchRow#vsDirect} and {@link BenchRow#msPerRequestVsDirect} filled in. */
    BenchRows comparedWithDirect() {
        return new BenchRows(rows.stream().map(r -> r.comparedWith(directBase(r))).toList());
    }
}
