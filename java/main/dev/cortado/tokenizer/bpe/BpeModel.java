package dev.cortado.tokenizer.bpe;

import dev.cortado.tokenizer.ByteLevel;

import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongHeapPriorityQueue;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE over a vocabulary and ranked merges: a word starts as one symbol per UTF-8 byte and the
 * adjacent pair with the lowest merge rank is merged first (leftmost on ties), as Hugging Face's BPE and
 * llama.cpp do — the rank of the pair, not of the token it makes. Thread-safe; words are cached.
 */
final class BpeModel {
    private static final int CACHE_MAX_WORD = 100, CACHE_MAX_ENTRIES = 200_000;

    private final Object2IntOpenHashMap<String> vocab;
    /** (left id, right id) → (rank, merged id). */
    private final Long2LongOpenHashMap merges = new Long2LongOpenHashMap();
    private final int[] byteIds = new int[256];
    private final boolean ignoreMerges;
    private final ConcurrentHashMap<String, Word> cache = new ConcurrentHashMap<>();

    /** A word's tokens and the UTF-8 byte length each covers. */
    record Word(int[] ids, int[] byteLens) {}

    /** {@code merges} as (left, right) pairs in rank order; a merge whose parts or result are not tokens is skipped. */
    BpeModel(Object2IntOpenHashMap<String> vocab, List<String[]> mergePairs, boolean ignoreMerges) {
        this.vocab = vocab;
        this.vocab.defaultReturnValue(-1);
        this.ignoreMerges = ignoreMerges;
        merges.defaultReturnValue(-1L);
        for (int rank = 0; rank < mergePairs.size(); rank++) {
            String[] p = mergePairs.get(rank);
            int a = vocab.getInt(p[0]), b = vocab.getInt(p[1]), m = vocab.getInt(p[0] + p[1]);
            if (a < 0 || b < 0 || m < 0) continue;
            long key = pairKey(a, b);
            if (!merges.containsKey(key)) merges.put(key, ((long) rank << 32) | m);
        }
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.getInt(String.valueOf(ByteLevel.charOf(b)));
    }

    int idOf(String piece) {
        return vocab.getInt(piece);
    }

    private static long pairKey(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    /** The tokens of one pre-token given as its UTF-8 bytes. */
    Word encode(String text, byte[] utf8) {
        boolean cacheable = text.length() <= CACHE_MAX_WORD;
        if (cacheable) {
            Word w = cache.get(text);
            if (w != null) return w;
        }
        Word w = merge(utf8);
        if (cacheable) {
            if (cache.size() > CACHE_MAX_ENTRIES) cache.clear();
            cache.put(text, w);
        }
        return w;
    }

    private Word merge(byte[] utf8) {
        int n = utf8.length;
        if (ignoreMerges) {
            char[] cs = new char[n];
            for (int i = 0; i < n; i++) cs[i] = ByteLevel.charOf(utf8[i]);
            int whole = vocab.getInt(new String(cs));
            if (whole >= 0) return new Word(new int[] {whole}, new int[] {n});
        }
        int[] id = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            id[i] = byteIds[utf8[i] & 0xFF];
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeapPriorityQueue queue = new LongHeapPriorityQueue(Math.max(1, n));
        for (int i = 0; i + 1 < n; i++) push(queue, id, i, i + 1);
        while (!queue.isEmpty()) {
            long top = queue.dequeueLong();
            int rank = (int) (top >>> 32), left = (int) top;
            int right = next[left];
            if (len[left] == 0 || right < 0) continue;
            long m = merges.get(pairKey(id[left], id[right]));
            if (m < 0 || (int) (m >>> 32) != rank) continue;   // stale: a neighbour merged since
            id[left] = (int) m;
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) push(queue, id, prev[left], left);
            if (next[left] >= 0) push(queue, id, left, next[left]);
        }
        int count = 0;
        for (int i = 0; i >= 0 && i < n; i = next[i]) if (id[i] >= 0) count++;
        int[] ids = new int[count], lens = new int[count];
        int k = 0, pending = 0;
        for (int i = 0; i >= 0 && i < n; i = next[i]) {
            // A byte with no token of its own is dropped, as both Hugging Face (no unk) and llama.cpp do;
            // its length goes to the next token so that offsets still add up.
            if (id[i] < 0) {
                pending += len[i];
                continue;
            }
            ids[k] = id[i];
            lens[k++] = len[i] + pending;
            pending = 0;
        }
        if (pending > 0 && k > 0) lens[k - 1] += pending;
        return new Word(ids, lens);
    }

    private void push(LongHeapPriorityQueue queue, int[] id, int left, int right) {
        if (id[left] < 0 || id[right] < 0) return;
        long m = merges.get(pairKey(id[left], id[right]));
        if (m >= 0) queue.enqueue((m & 0xFFFFFFFF00000000L) | left);
    }
}
