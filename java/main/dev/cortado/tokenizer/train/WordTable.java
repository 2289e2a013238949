package dev.cortado.tokenizer.train;

import java.util.Arrays;

/**
 * Counts of byte strings (pre-tokenized pieces): an open-addressing hash table over primitive
 * arrays, with the bytes of every distinct piece in one arena. Entries keep their insertion order,
 * so iterating a table filled in a fixed order is deterministic. Not thread-safe: one per thread.
 */
final class WordTable {
    private int[] slots;          // entry index + 1, 0 = empty
    private long[] hashes = new long[16];
    private int[] offsets = new int[16];
    private int[] lengths = new int[16];
    private long[] counts = new long[16];
    private byte[] arena;
    private int arenaUsed;
    private int size;

    WordTable(int expectedWords) {
        int cap = Integer.highestOneBit(Math.max(16, expectedWords * 2 - 1)) << 1;
        slots = new int[cap];
        arena = new byte[Math.max(64, expectedWords * 8)];
    }

    int size() {
        return size;
    }

    long count(int entry) {
        return counts[entry];
    }

    int length(int entry) {
        return lengths[entry];
    }

    /** The arena holding entry bytes at {@link #offset(int)}; valid until the next add. */
    byte[] arena() {
        return arena;
    }

    int offset(int entry) {
        return offsets[entry];
    }

    long hash(int entry) {
        return hashes[entry];
    }

    /** Bytes of the arena in use plus the per-entry arrays: the table's memory, roughly. */
    long memoryBytes() {
        return arena.length + 4L * slots.length + 24L * hashes.length;
    }

    static long hash(byte[] b, int off, int len) {
        long h = 0x9E3779B97F4A7C15L ^ len;
        int i = off, end = off + len;
        for (; i + 8 <= end; i += 8) {
            long v = (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16 | (b[i + 3] & 0xFFL) << 24
                    | (b[i + 4] & 0xFFL) << 32 | (b[i + 5] & 0xFFL) << 40 | (b[i + 6] & 0xFFL) << 48 | (b[i + 7] & 0xFFL) << 56;
            h = Long.rotateLeft((h ^ v) * 0xBF58476D1CE4E5B9L, 31);
        }
        for (; i < end; i++) h = (h ^ (b[i] & 0xFF)) * 0x100000001B3L;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return h;
    }

    void add(byte[] b, int off, int len, long n) {
        add(b, off, len, hash(b, off, len), n);
    }

    void add(byte[] b, int off, int len, long h, long n) {
        int mask = slots.length - 1;
        int s = (int) h & mask;
        while (true) {
            int e = slots[s] - 1;
            if (e < 0) break;
            if (hashes[e] == h && lengths[e] == len
                    && Arrays.equals(arena, offsets[e], offsets[e] + len, b, off, off + len)) {
                counts[e] += n;
                return;
            }
            s = (s + 1) & mask;
        }
        if (size == hashes.length) growEntries();
        if (arenaUsed + len > arena.length) {
            long want = Math.max((long) arena.length * 2, (long) arenaUsed + len);
            if (want > Integer.MAX_VALUE - 16) throw new IllegalStateException("word table arena over 2 GiB");
            arena = Arrays.copyOf(arena, (int) want);
        }
        System.arraycopy(b, off, arena, arenaUsed, len);
        hashes[size] = h;
        offsets[size] = arenaUsed;
        lengths[size] = len;
        counts[size] = n;
        arenaUsed += len;
        slots[s] = ++size;
        if (size * 2 > slots.length) rehash(slots.length * 2);
    }

    /** Adds every entry of {@code other} to this table. */
    void addAll(WordTable other) {
        for (int e = 0; e < other.size; e++)
            add(other.arena, other.offsets[e], other.lengths[e], other.hashes[e], other.counts[e]);
    }

    /** Drops entries counted fewer than {@code min} times; returns {distinct dropped, occurrences dropped}. */
    long[] pruneBelow(long min) {
        long dropped = 0, occurrences = 0;
        byte[] newArena = new byte[Math.max(64, arenaUsed)];
        int kept = 0, used = 0;
        for (int e = 0; e < size; e++) {
            if (counts[e] < min) {
                dropped++;
                occurrences += counts[e];
                continue;
            }
            System.arraycopy(arena, offsets[e], newArena, used, lengths[e]);
            hashes[kept] = hashes[e];
            offsets[kept] = used;
            lengths[kept] = lengths[e];
            counts[kept] = counts[e];
            used += lengths[e];
            kept++;
        }
        arena = newArena;
        arenaUsed = used;
        size = kept;
        rehash(slots.length);
        return new long[] {dropped, occurrences};
    }

    private void growEntries() {
        int n = hashes.length * 2;
        hashes = Arrays.copyOf(hashes, n);
        offsets = Arrays.copyOf(offsets, n);
        lengths = Arrays.copyOf(lengths, n);
        counts = Arrays.copyOf(counts, n);
    }

    private void rehash(int capacity) {
        slots = new int[capacity];
        int mask = capacity - 1;
        for (int e = 0; e < size; e++) {
            int s = (int) hashes[e] & mask;
            while (slots[s] != 0) s = (s + 1) & mask;
            slots[s] = e + 1;
        }
    }
}
