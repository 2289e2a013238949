package dev.cortado.tokenizer.bpe;

/**
 * A pre-token: {@code text}, whose first {@code prefix} chars were inserted (ByteLevel's prefix space)
 * and whose char {@code prefix + k} is char {@code start + k} of the normalized text.
 */
record Piece(String text, int start, int prefix) {
    /** Chars [from, to) of this piece as a piece of its own. */
    Piece sub(int from, int to) {
        int pre = Math.max(0, Math.min(prefix, to) - from);
        return new Piece(text.substring(from, to), start + Math.max(0, from - prefix), pre);
    }

    /** Normalized index where piece char {@code i} starts. */
    int normStart(int i) {
        return start + Math.max(0, i - prefix);
    }

    /** Normalized index where piece char {@code i} ends (inserted chars are empty). */
    int normEnd(int i) {
        return start + Math.max(0, i + 1 - prefix);
    }
}
