package dev.cortado.tokenizer.tiktoken;

import static dev.cortado.tokenizer.tiktoken.CharClass.L;
import static dev.cortado.tokenizer.tiktoken.CharClass.LO;
import static dev.cortado.tokenizer.tiktoken.CharClass.N;
import static dev.cortado.tokenizer.tiktoken.CharClass.NL;
import static dev.cortado.tokenizer.tiktoken.CharClass.UP;
import static dev.cortado.tokenizer.tiktoken.CharClass.WS;

/**
 * o200k_base, whose letter alternatives are, with U = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}],
 * W = [\p{Ll}\p{Lm}\p{Lo}\p{M}], P = [^\r\n\p{L}\p{N}] and C = (?i:'s|'t|'re|'ve|'m|'ll|'d):
 * {@code P?U*W+C? | P?U+W*C?}, then {@code \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+}.
 * The letter alternatives are resolved as the backtracking regex resolves them: P taken before not
 * taken, and U* giving back characters until W+ can start.
 */
final class O200kSplitter extends Splitter {
    @Override
    int next(byte[] b, int i, int end) {
        int f = flags(b, i);
        int n1 = i + len(b, i);
        boolean prefix = (f & (L | N | NL)) == 0 && n1 < end;
        int r;
        if (prefix && (r = upperThenLower(b, n1, end)) >= 0) return r;
        if ((f & (UP | LO)) != 0 && (r = upperThenLower(b, i, end)) >= 0) return r;
        if (prefix && (r = upperFirst(b, n1, end)) >= 0) return r;
        if ((f & UP) != 0) return upperFirst(b, i, end);
        if ((f & N) != 0) return digits3(b, i, end);
        if (b[i] == ' ' && n1 < end && (flags(b, n1) & (WS | L | N)) == 0) return newlines(b, runOther(b, n1, end), end, true);
        if ((f & WS) == 0) return newlines(b, runOther(b, i, end), end, true);
        return whitespace(b, i, end, true);
    }

    /** U*W+C? from k, or -1. */
    private static int upperThenLower(byte[] b, int k, int end) {
        int j = k, lastLower = -1;
        while (j < end) {
            int g = flags(b, j);
            if ((g & UP) == 0) break;
            if ((g & LO) != 0) lastLower = j;
            j += len(b, j);
        }
        int e;
        if (j < end && (flags(b, j) & LO) != 0) e = run(b, j, end, LO);
        else if (lastLower >= 0) e = lastLower + len(b, lastLower); // U* gives back down to its last W char
        else return -1;
        int c = contraction(b, e, end, true);
        return c >= 0 ? c : e;
    }

    /** U+W*C? from k, or -1. */
    private static int upperFirst(byte[] b, int k, int end) {
        int j = run(b, k, end, UP);
        if (j == k) return -1;
        int e = run(b, j, end, LO);
        int c = contraction(b, e, end, true);
        return c >= 0 ? c : e;
    }
}
