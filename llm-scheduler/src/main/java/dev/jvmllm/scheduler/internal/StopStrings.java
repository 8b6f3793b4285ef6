package dev.jvmllm.scheduler.internal;

import java.util.List;

/**
 * Finds stop strings in streamed text. Text that could still turn into a stop string is held
 * back until the next piece decides it, so that no delta ever shows the beginning of a stop
 * string that the generation then ends on. One instance per generation; not thread-safe.
 */
final class StopStrings {
    private final String[] stops;
    private final int longest;
    private String held = "";
    private boolean matched;

    /** @param stops non-empty strings, at least one */
    StopStrings(List<String> stops) {
        this.stops = stops.toArray(String[]::new);
        int max = 0;
        for (String stop : this.stops) {
            max = Math.max(max, stop.length());
        }
        this.longest = max;
    }

    /**
     * Adds the next piece of text and returns what may be shown now: everything before the first
     * stop string once one is complete ({@link #matched()} then turns true), else everything up to
     * the earliest point from which the text could still grow into a stop string.
     */
    String push(String piece) {
        String text = held.isEmpty() ? piece : held.concat(piece);
        int stop = firstStop(text);
        if (stop >= 0) {
            matched = true;
            held = "";
            return text.substring(0, stop);
        }
        int keep = startOfPossibleStop(text);
        held = text.substring(keep);
        return text.substring(0, keep);
    }

    /** True once a stop string was found; the generation must end. */
    boolean matched() {
        return matched;
    }

    /** Gives up the held-back text: the generation ended for another reason, so it is plain text. */
    String release() {
        String text = held;
        held = "";
        return text;
    }

    private int firstStop(String text) {
        int first = -1;
        for (String stop : stops) {
            int index = text.indexOf(stop);
            if (index >= 0 && (first < 0 || index < first)) {
                first = index;
            }
        }
        return first;
    }

    /** The earliest index whose suffix is a proper prefix of some stop string, or the length. */
    private int startOfPossibleStop(String text) {
        int length = text.length();
        // a suffix longer than the longest stop string cannot be a proper prefix of one
        for (int start = Math.max(0, length - longest + 1); start < length; start++) {
            int tail = length - start;
            for (String stop : stops) {
                if (stop.length() > tail && stop.regionMatches(0, text, start, tail)) {
                    return start;
                }
            }
        }
        return length;
    }
}
