package dev.cortado.tokenizer.tiktoken;

import static dev.cortado.tokenizer.tiktoken.CharClass.L;
import static dev.cortado.tokenizer.tiktoken.CharClass.N;
import static dev.cortado.tokenizer.tiktoken.CharClass.NL;
import static dev.cortado.tokenizer.tiktoken.CharClass.WS;

/**
 * A pre-tokenizer: tiktoken's regex, hand-written as a scanner over UTF-8 bytes so that it runs in
 * linear time and allocates nothing. {@link #next} gives the end of the piece that the regex's
 * leftmost-first match finds at {@code i}, with {@code end} acting as the end of the input (as
 * tiktoken matches each stretch of text between special tokens on its own).
 */
abstract class Splitter {
    /** The end of the piece that starts at {@code i < end}. */
    abstract int next(byte[] b, int i, int end);

    static int flags(byte[] b, int i) {
        int c = b[i];
        return c >= 0 ? CharClass.of(c) : CharClass.of(Utf8.cp(b, i));
    }

    static int len(byte[] b, int i) {
        return Utf8.seqLen(b[i]);
    }

    /** The end of the run of characters with any of {@code mask}'s flags, from {@code i}. */
    static int run(byte[] b, int i, int end, int mask) {
        while (i < end) {
            int c = b[i];
            if (c >= 0) {
                if ((CharClass.of(c) & mask) == 0) break;
                i++;
            } else {
                if ((CharClass.of(Utf8.cp(b, i)) & mask) == 0) break;
                i += Utf8.seqLen(c);
            }
        }
        return i;
    }

    /** The end of the run of [^\s\p{L}\p{N}] from {@code i}. */
    static int runOther(byte[] b, int i, int end) {
        while (i < end) {
            int c = b[i];
            if (c >= 0) {
                if ((CharClass.of(c) & (WS | L | N)) != 0) break;
                i++;
            } else {
                if ((CharClass.of(Utf8.cp(b, i)) & (WS | L | N)) != 0) break;
                i += Utf8.seqLen(c);
            }
        }
        return i;
    }

    /** \p{N}{1,3} at a digit. */
    static int digits3(byte[] b, int i, int end) {
        for (int k = 0; k < 3 && i < end && (flags(b, i) & N) != 0; k++) i += len(b, i);
        return i;
    }

    /** Then [\r\n]* (and '/' too when {@code slash}). */
    static int newlines(byte[] b, int i, int end, boolean slash) {
        while (i < end && (b[i] == '\r' || b[i] == '\n' || (slash && b[i] == '/'))) i++;
        return i;
    }

    /**
     * Whitespace at {@code i}: {@code \s*[\r\n]+} when {@code newlineRule} (up to the run's last newline),
     * else/then {@code \s+(?!\S)} (the run less its last char when a non-space follows), else {@code \s+}.
     */
    static int whitespace(byte[] b, int i, int end, boolean newlineRule) {
        int j = i, last = i, afterNewline = -1;
        while (j < end) {
            int f = flags(b, j);
            if ((f & WS) == 0) break;
            if ((f & NL) != 0) afterNewline = j + 1;
            last = j;
            j += len(b, j);
        }
        if (newlineRule && afterNewline >= 0) return afterNewline;
        if (j == end || last == i) return j;
        return last;
    }

    /**
     * A contraction at {@code i} ('s 't 're 've 'm 'll 'd), case-insensitively when {@code anyCase}
     * (Unicode simple case folding, so 'ſ' U+017F matches 's' as in Rust's regex): its end, or -1.
     */
    static int contraction(byte[] b, int i, int end, boolean anyCase) {
        if (i + 1 >= end || b[i] != '\'') return -1;
        int c1 = b[i + 1];
        if (anyCase) {
            if (c1 >= 'A' && c1 <= 'Z') c1 += 32;
            else if ((c1 & 0xFF) == 0xC5 && i + 2 < end && (b[i + 2] & 0xFF) == 0xBF) return i + 3; // ſ
        }
        if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return i + 2;
        if (i + 2 >= end) return -1;
        int c2 = b[i + 2];
        if (anyCase && c2 >= 'A' && c2 <= 'Z') c2 += 32;
        if ((c1 == 'r' || c1 == 'v') && c2 == 'e' || c1 == 'l' && c2 == 'l') return i + 3;
        return -1;
    }
}
