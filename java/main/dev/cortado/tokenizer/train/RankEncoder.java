package dev.cortado.tokenizer.train;

import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;

/**
 * Encodes one pre-tokenized piece with trained merges the way Hugging Face's BPE and tiktoken do:
 * repeatedly merge the adjacent pair of lowest rank (leftmost first) until none is left. Used to
 * measure compression on the held-out text.
 */
final class RankEncoder {
    private final Long2IntOpenHashMap rankOf = new Long2IntOpenHashMap();

    RankEncoder(long[] merges) {
        rankOf.defaultReturnValue(-1);
        for (int i = 0; i < merges.length; i++) rankOf.put(merges[i], i);
    }

    /** The ids of {@code b[off, off + len)}. */
    int[] encode(byte[] b, int off, int len) {
        int[] s = new int[len];
        for (int i = 0; i < len; i++) s[i] = b[off + i] & 0xFF;
        int n = len;
        while (n > 1) {
            int best = -1, bestRank = Integer.MAX_VALUE;
            for (int i = 0; i < n - 1; i++) {
                int r = rankOf.get(BpeMerger.key(s[i], s[i + 1]));
                if (r >= 0 && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) break;
            int a = s[best], c = s[best + 1], id = 256 + bestRank, out = best;
            for (int i = best; i < n; ) {
                if (i + 1 < n && s[i] == a && s[i + 1] == c) {
                    s[out++] = id;
                    i += 2;
                } else {
                    s[out++] = s[i++];
                }
            }
            n = out;
        }
        return java.util.Arrays.copyOf(s, n);
    }
}
