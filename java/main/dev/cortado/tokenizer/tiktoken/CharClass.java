package dev.cortado.tokenizer.tiktoken;

/**
 * The character classes tiktoken's patterns test, as bit flags per code point: Unicode general
 * categories (as Java's {@link Character#getType} reports them) and Unicode White_Space, which is
 * what {@code \s} means in the Rust regex engine tiktoken uses (not Java's ASCII {@code \s}).
 * Flags for the Basic Multilingual Plane are precomputed into a 64 KiB table.
 */
final class CharClass {
    /** \p{L}, \p{N}, \s, [\r\n]. */
    static final int L = 1, N = 2, WS = 4, NL = 8;
    /** o200k's [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] ("upper-ish") and [\p{Ll}\p{Lm}\p{Lo}\p{M}] ("lower-ish"). */
    static final int UP = 16, LO = 32;

    private static final byte[] BMP = new byte[0x10000];

    static {
        for (int c = 0; c < 0x10000; c++) BMP[c] = (byte) compute(c);
    }

    private CharClass() {}

    static int of(int cp) {
        return cp < 0x10000 ? BMP[cp] : compute(cp);
    }

    private static int compute(int cp) {
        int f = 0;
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.TITLECASE_LETTER -> f = L | UP;
            case Character.LOWERCASE_LETTER -> f = L | LO;
            case Character.MODIFIER_LETTER, Character.OTHER_LETTER -> f = L | UP | LO;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> f = UP | LO;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> f = N;
            default -> { }
        }
        if (isWhiteSpace(cp)) f |= WS;
        if (cp == '\r' || cp == '\n') f |= NL;
        return f;
    }

    /** Unicode's White_Space property (PropList.txt). */
    static boolean isWhiteSpace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }
}
