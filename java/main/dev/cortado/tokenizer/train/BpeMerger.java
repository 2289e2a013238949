package dev.cortado.tokenizer.train;

import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import it.unimi.dsi.fastutil.objects.ObjectIterator;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * The merge loop of byte-level BPE. Every distinct piece is a word of byte ids (0–255) with its count;
 * each step merges the most frequent adjacent pair into a new id (256, 257, …). Ties go to the
 * smallest pair: the lowest left id, then the lowest right id. Only the words that contain the merged
 * pair are touched: each pair keeps the list of words it occurs in, and a step applies the change in
 * pair counts those words see; a lazy max-heap finds the next pair.
 */
final class BpeMerger {
    /** A pair's live count and the words it may occur in (with repeats and stale entries). */
    private static final class PairInfo {
        long count;
        int[] words = new int[4];
        int n;

        void addWord(int w) {
            if (n > 0 && words[n - 1] == w) return;
            if (n == words.length) words = Arrays.copyOf(words, n * 2);
            words[n++] = w;
        }
    }

    private final int[] symbols;   // every word's ids, word w at [start[w], start[w] + length[w])
    private final int[] start, length;
    private final long[] wordCount;
    private final Long2ObjectOpenHashMap<PairInfo> pairs = new Long2ObjectOpenHashMap<>();
    private final PairHeap heap = new PairHeap();
    private final int[] lastSeen;  // the step that last rewrote a word, to skip repeats in a pair's list

    BpeMerger(WordTable words) {
        int w = words.size();
        long total = 0;
        for (int e = 0; e < w; e++) total += words.length(e);
        if (total > Integer.MAX_VALUE - 16) throw new IllegalStateException("over 2^31 bytes of distinct pieces");
        symbols = new int[(int) total];
        start = new int[w];
        length = new int[w];
        wordCount = new long[w];
        lastSeen = new int[w];
        Arrays.fill(lastSeen, -1);
        int pos = 0;
        byte[] arena = words.arena();
        for (int e = 0; e < w; e++) {
            start[e] = pos;
            length[e] = words.length(e);
            wordCount[e] = words.count(e);
            int off = words.offset(e);
            for (int i = 0; i < length[e]; i++) symbols[pos++] = arena[off + i] & 0xFF;
        }
        for (int e = 0; e < w; e++) {
            long n = wordCount[e];
            for (int i = start[e], end = start[e] + length[e] - 1; i < end; i++) {
                long p = key(symbols[i], symbols[i + 1]);
                PairInfo info = pairs.get(p);
                if (info == null) pairs.put(p, info = new PairInfo());
                info.count += n;
                info.addWord(e);
            }
        }
        for (var it = pairs.long2ObjectEntrySet().fastIterator(); it.hasNext(); ) {
            var en = it.next();
            heap.push(en.getValue().count, en.getLongKey());
        }
    }

    static long key(int a, int b) {
        return (long) a << 32 | b;
    }

    /**
     * Runs up to {@code maxMerges} merges of pairs seen at least {@code minFrequency} times whose
     * result is at most {@code maxTokenLength} bytes; returns the merged pairs as keys, in order
     * (merge i creates id 256 + i). {@code onMerge} hears the count of each merge.
     */
    long[] run(int maxMerges, long minFrequency, int maxTokenLength, IntConsumer onMerge) {
        long[] merges = new long[maxMerges];
        int[] tokenLength = new int[256 + maxMerges];
        Arrays.fill(tokenLength, 0, 256, 1);
        Long2LongOpenHashMap delta = new Long2LongOpenHashMap();
        int done = 0;
        while (done < maxMerges && heap.size() > 0) {
            long c = heap.topCount(), p = heap.topPair();
            heap.pop();
            PairInfo info = pairs.get(p);
            if (info == null || info.count <= 0) continue;
            if (info.count != c) {
                heap.push(info.count, p);
                continue;
            }
            if (c < Math.max(1, minFrequency)) break;
            int a = (int) (p >>> 32), b = (int) p;
            if (tokenLength[a] + tokenLength[b] > maxTokenLength) continue;  // counts only fall: never again
            int id = 256 + done;
            tokenLength[id] = tokenLength[a] + tokenLength[b];
            merges[done] = p;
            pairs.remove(p);
            delta.clear();
            for (int k = 0; k < info.n; k++) {
                int w = info.words[k];
                if (lastSeen[w] == done) continue;
                lastSeen[w] = done;
                mergeWord(w, a, b, id, delta);
            }
            for (ObjectIterator<Long2LongOpenHashMap.Entry> it = delta.long2LongEntrySet().fastIterator(); it.hasNext(); ) {
                var en = it.next();
                long d = en.getLongValue();
                if (d == 0) continue;
                long q = en.getLongKey();
                PairInfo qi = pairs.get(q);
                if (qi == null) continue;  // the merged pair itself, already removed
                qi.count += d;
                if (qi.count <= 0) pairs.remove(q);
                else if ((int) (q >>> 32) == id || (int) q == id) heap.push(qi.count, q);
            }
            done++;
            onMerge.accept((int) Math.min(Integer.MAX_VALUE, c));
        }
        return Arrays.copyOf(merges, done);
    }

    /** Rewrites word w with every (a, b) replaced left to right by id, recording the pair-count changes. */
    private void mergeWord(int w, int a, int b, int id, Long2LongOpenHashMap delta) {
        int s = start[w], len = length[w];
        long n = wordCount[w];
        boolean found = false;
        for (int i = s; i < s + len - 1; i++) {
            if (symbols[i] == a && symbols[i + 1] == b) {
                found = true;
                break;
            }
        }
        if (!found) return;  // a stale entry: an earlier merge consumed the pair here
        for (int i = s; i < s + len - 1; i++) delta.addTo(key(symbols[i], symbols[i + 1]), -n);
        int out = s;
        for (int i = s; i < s + len; ) {
            if (i + 1 < s + len && symbols[i] == a && symbols[i + 1] == b) {
                symbols[out++] = id;
                i += 2;
            } else {
                symbols[out++] = symbols[i++];
            }
        }
        length[w] = out - s;
        for (int i = s; i < out - 1; i++) {
            int x = symbols[i], y = symbols[i + 1];
            long q = key(x, y);
            delta.addTo(q, n);
            if (x == id || y == id) {
                PairInfo qi = pairs.get(q);
                if (qi == null) pairs.put(q, qi = new PairInfo());
                qi.addWord(w);
            }
        }
    }
}
