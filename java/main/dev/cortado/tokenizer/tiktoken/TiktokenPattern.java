package dev.cortado.tokenizer.tiktoken;

/**
 * The pre-tokenization patterns of tiktoken's encodings. {@link #regex()} is tiktoken's regex (for
 * reference and as a test oracle); encoding uses the hand-written, linear-time {@link Splitter}.
 */
public enum TiktokenPattern {
    /** r50k_base, p50k_base, p50k_edit (GPT-2's pattern). */
    R50K("'(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", new Gpt2Splitter()),
    /** cl100k_base. */
    CL100K("'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*"
            + "|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+", new Cl100kSplitter()),
    /** o200k_base. */
    O200K("[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", new O200kSplitter());

    private final String regex;
    final Splitter splitter;

    TiktokenPattern(String regex, Splitter splitter) {
        this.regex = regex;
        this.splitter = splitter;
    }

    /**
     * The end of the piece that starts at {@code i < end} in valid UTF-8 {@code b}, with {@code end}
     * acting as the end of the input: the hand-written scanner behind the encoder (linear time, no
     * allocation; stateless, so any thread may call it).
     */
    public int nextPiece(byte[] b, int i, int end) {
        return splitter.next(b, i, end);
    }

    /**
     * {@link #nextPiece} for the pattern with tiktoken's later alternative {@code \s++$} before the
     * whitespace rules (cl100k_base as tiktoken ships it today): white space that runs to the end of
     * the input is one piece.
     */
    public int nextPieceWholeTrailingSpace(byte[] b, int i, int end) {
        if (Splitter.run(b, i, end, CharClass.WS) == end) return end;
        return splitter.next(b, i, end);
    }

    /** tiktoken's regex (Rust regex syntax: {@code \s} is Unicode White_Space, {@code (?i)} Unicode case folding). */
    public String regex() {
        return regex;
    }
}
