package dev.cortado.tokenizer.bpe;

import java.util.List;
import java.util.function.Predicate;

/** Finds added/special tokens in text before pre-tokenization. */
interface SpecialSplitter {
    /** A stretch [start, end) of text: a token when {@code id >= 0}, else text still to encode. */
    record Segment(int start, int end, int id) {}

    /**
     * The segments of {@code text}[from, to) in order; a special (control) token is matched only when
     * {@code allowSpecial} accepts its text; user-defined (non-special) added tokens always are.
     */
    List<Segment> split(String text, int from, int to, Predicate<String> allowSpecial);

    SpecialSplitter NONE = (text, from, to, allow) -> List.of(new Segment(from, to, -1));
}
