package dev.cortado.tokenizer.train;

import java.util.Arrays;

/**
 * A max-heap of (count, pair) entries on primitive arrays: the highest count first, and among equal
 * counts the smallest pair key (left id, then right id). Entries may be stale; the merge loop checks
 * each popped count against the live one.
 */
final class PairHeap {
    private long[] counts = new long[1024];
    private long[] pairs = new long[1024];
    private int size;

    int size() {
        return size;
    }

    void push(long count, long pair) {
        if (size == counts.length) {
            counts = Arrays.copyOf(counts, size * 2);
            pairs = Arrays.copyOf(pairs, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!before(count, pair, counts[p], pairs[p])) break;
            counts[i] = counts[p];
            pairs[i] = pairs[p];
            i = p;
        }
        counts[i] = count;
        pairs[i] = pair;
    }

    long topCount() {
        return counts[0];
    }

    long topPair() {
        return pairs[0];
    }

    void pop() {
        long c = counts[--size], p = pairs[size];
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) break;
            int r = l + 1;
            int best = r < size && before(counts[r], pairs[r], counts[l], pairs[l]) ? r : l;
            if (!before(counts[best], pairs[best], c, p)) break;
            counts[i] = counts[best];
            pairs[i] = pairs[best];
            i = best;
        }
        counts[i] = c;
        pairs[i] = p;
    }

    private static boolean before(long c1, long p1, long c2, long p2) {
        return c1 > c2 || (c1 == c2 && p1 < p2);
    }
}
