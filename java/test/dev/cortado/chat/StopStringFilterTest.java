package dev.cortado.chat;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stop strings are held back while undecided and never shown. */
class StopStringFilterTest {
    private static String run(StopStringFilter f, String... pieces) {
        StringBuilder sb = new StringBuilder();
        for (String p : pieces) sb.append(f.feed(p)).append('|');
        return sb.toString();
    }

    @Test
    void stopSplitAcrossPiecesIsNeverShown() {
        StopStringFilter f = new StopStringFilter(List.of("<|im_end|>"));
        assertEquals("Hello|||||", run(f, "Hello", "<|", "im_", "end|>", " world"));
        assertTrue(f.stopped());
    }

    @Test
    void holdsBackOnlyWhatCouldStartAStop() {
        StopStringFilter f = new StopStringFilter(List.of("<|im_end|>"));
        assertEquals("Hello", f.feed("Hello<|"));
        assertEquals("", f.feed("im_"));
        assertEquals("", f.feed("end|>"));
        assertTrue(f.stopped());
        assertEquals("", f.feed("more"));
        assertEquals("", f.finish());
    }

    @Test
    void releasesAHeldPrefixThatTurnsOutNotToBeAStop() {
        StopStringFilter f = new StopStringFilter(List.of("</s>"));
        assertEquals("a ", f.feed("a <"));
        assertEquals("<b> c", f.feed("b> c"));
        assertFalse(f.stopped());
        assertEquals("x", f.feed("x</"));
        assertEquals("</", f.finish());
    }

    @Test
    void earliestOfSeveralStopsWins() {
        StopStringFilter f = new StopStringFilter(List.of("<end_of_turn>", "\nUser:", ""));
        assertEquals("Sure.", f.feed("Sure.\nUser: hi<end_of_turn>"));
        assertTrue(f.stopped());
    }

    @Test
    void noStopsPassesEverythingThrough() {
        StopStringFilter f = new StopStringFilter(List.of());
        assertEquals("<|im_end|>", f.feed("<|im_end|>"));
        assertEquals("", f.finish());
    }
}
