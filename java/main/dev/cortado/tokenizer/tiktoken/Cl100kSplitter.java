package dev.cortado.tokenizer.tiktoken;

import static dev.cortado.tokenizer.tiktoken.CharClass.L;
import static dev.cortado.tokenizer.tiktoken.CharClass.N;
import static dev.cortado.tokenizer.tiktoken.CharClass.NL;
import static dev.cortado.tokenizer.tiktoken.CharClass.WS;

/**
 * cl100k_base: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}.
 */
final class Cl100kSplitter extends Splitter {
    @Override
    int next(byte[] b, int i, int end) {
        int r = contraction(b, i, end, true);
        if (r >= 0) return r;
        int f = flags(b, i);
        if ((f & L) != 0) return run(b, i, end, L);
        int n1 = i + len(b, i);
        if (n1 < end) {
            int g = flags(b, n1);
            // one char that is not a letter, digit or newline, then letters
            if ((f & (N | NL)) == 0 && (g & L) != 0) return run(b, n1, end, L);
            if ((f & N) == 0 && b[i] == ' ' && (g & (WS | L | N)) == 0) return newlines(b, runOther(b, n1, end), end, false);
        }
        if ((f & N) != 0) return digits3(b, i, end);
        if ((f & WS) == 0) return newlines(b, runOther(b, i, end), end, false);
        return whitespace(b, i, end, true);
    }
}
