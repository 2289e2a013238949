package dev.cortado.tokenizer.tiktoken;

import static dev.cortado.tokenizer.tiktoken.CharClass.L;
import static dev.cortado.tokenizer.tiktoken.CharClass.N;
import static dev.cortado.tokenizer.tiktoken.CharClass.WS;

/** r50k_base / p50k_base: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}. */
final class Gpt2Splitter extends Splitter {
    @Override
    int next(byte[] b, int i, int end) {
        int r = contraction(b, i, end, false);
        if (r >= 0) return r;
        if (b[i] == ' ' && i + 1 < end) {
            int g = flags(b, i + 1);
            if ((g & L) != 0) return run(b, i + 1, end, L);
            if ((g & N) != 0) return run(b, i + 1, end, N);
            if ((g & WS) == 0) return runOther(b, i + 1, end);
        }
        int f = flags(b, i);
        if ((f & L) != 0) return run(b, i, end, L);
        if ((f & N) != 0) return run(b, i, end, N);
        if ((f & WS) == 0) return runOther(b, i, end);
        return whitespace(b, i, end, false);
    }
}
