package dev.jvmllm.scheduler.internal;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StopStringsTest {

    @Test
    void textThatCannotStartAStopStringPassesAtOnce() {
        StopStrings stops = new StopStrings(List.of("END"));

        assertThat(stops.push("Hello")).isEqualTo("Hello");
        assertThat(stops.push(", world")).isEqualTo(", world");
        assertThat(stops.matched()).isFalse();
    }

    @Test
    void holdsBackAPossibleStartUntilTheTextDiverges() {
        StopStrings stops = new StopStrings(List.of("END"));

        assertThat(stops.push("the E")).isEqualTo("the ");
        assertThat(stops.push("N")).isEmpty();
        assertThat(stops.push("T")).isEqualTo("ENT");
        assertThat(stops.matched()).isFalse();
    }

    @Test
    void cutsBeforeAStopStringSpanningPieces() {
        StopStrings stops = new StopStrings(List.of("END"));

        assertThat(stops.push("done E")).isEqualTo("done ");
        assertThat(stops.push("N")).isEmpty();
        assertThat(stops.push("D and more")).isEmpty();
        assertThat(stops.matched()).isTrue();
    }

    @Test
    void theEarliestOfSeveralStopStringsWins() {
        StopStrings stops = new StopStrings(List.of("world", "o, w"));

        assertThat(stops.push("Hello, world")).isEqualTo("Hell");
        assertThat(stops.matched()).isTrue();
    }

    @Test
    void holdsBackFromTheEarliestPossibleStart() {
        StopStrings stops = new StopStrings(List.of("abcd", "cx"));

        // "abc" could grow into "abcd"; "c" alone into "cx": the earlier start decides
        assertThat(stops.push("zzabc")).isEqualTo("zz");
        assertThat(stops.push("x")).isEqualTo("ab");
        assertThat(stops.matched()).isTrue();
    }

    @Test
    void releaseGivesUpTheHeldText() {
        StopStrings stops = new StopStrings(List.of("\n\n"));

        assertThat(stops.push("line\n")).isEqualTo("line");
        assertThat(stops.release()).isEqualTo("\n");
        assertThat(stops.push("next")).isEqualTo("next");
    }
}
