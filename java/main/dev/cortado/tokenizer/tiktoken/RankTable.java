package dev.cortado.tokenizer.tiktoken;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Byte sequence → rank, the lookup BPE makes for every candidate merge, and the encoder's hot spot.
 * Sequences of up to 7 bytes (most tokens) are packed into one long (bytes little-endian, then a 1 bit
 * that marks the length). Those of up to 5 bytes (the pairs most merges look up) go with their rank
 * in one long per slot ({@code key | rank << 41}), so that table is small enough to stay in cache;
 * 6 and 7 bytes take a slot of two longs; longer ones a slot of (64-bit hash, rank), whose bytes are
 * compared only when the hashes agree. All open addressing, at most half full. Also rank → bytes
 * for decoding. Immutable after construction.
 */
final class RankTable {
    static final int NONE = -1;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long MIX = 0x9E3779B97F4A7C15L;
    private static final long KEY_MASK = (1L << 41) - 1;

    /** Sequences of up to this many bytes (5, or 0 with ranks of 2^23 and up) share a slot with their rank. */
    private final int tiny;
    /** Up to {@code tiny} bytes: key | rank << 41 (a key has at most 41 bits), or 0. */
    private final long[] tinySlots;
    private final int tinyMask;
    private final int tinyShift;
    /** 6 or 7 bytes: slot s holds its key at [2s] and its rank at [2s + 1]: one cache line per probe. */
    private final long[] shortSlots;
    private final int shortMask;
    private final int shortShift;
    /** Longer: slot s holds the 64-bit hash at [2s] and the rank at [2s + 1] (NONE when empty). */
    private final long[] longSlots;
    private final int longMask;
    private final int longShift;
    private final byte[][] bytesByRank;
    private final int count;

    /** {@code bytesByRank[r]} is the token of rank r, or null where no token has that rank. */
    RankTable(byte[][] bytesByRank) {
        this.bytesByRank = bytesByRank;
        tiny = bytesByRank.length <= 1 << 23 ? 5 : 0; // a rank must fit in 23 bits beside the key
        int tinies = 0, shorts = 0, longs = 0;
        for (byte[] t : bytesByRank) {
            if (t == null) continue;
            if (t.length <= tiny) tinies++;
            else if (t.length <= 7) shorts++;
            else longs++;
        }
        count = tinies + shorts + longs;
        int tinyBits = bitsFor(tinies), shortBits = bitsFor(shorts), longBits = bitsFor(longs);
        tinySlots = new long[1 << tinyBits];
        tinyMask = (1 << tinyBits) - 1;
        tinyShift = 64 - tinyBits;
        shortSlots = new long[2 << shortBits];
        shortMask = (1 << shortBits) - 1;
        shortShift = 64 - shortBits;
        longSlots = new long[2 << longBits];
        longMask = (1 << longBits) - 1;
        for (int s = 0; s <= longMask; s++) longSlots[2 * s + 1] = NONE;
        longShift = 64 - longBits;
        for (int r = 0; r < bytesByRank.length; r++) {
            byte[] t = bytesByRank[r];
            if (t == null) continue;
            if (t.length <= tiny) {
                long key = pack(t, 0, t.length);
                int s = (int) ((key * MIX) >>> tinyShift);
                while (tinySlots[s] != 0) s = (s + 1) & tinyMask;
                tinySlots[s] = key | ((long) r << 41);
            } else if (t.length <= 7) {
                long key = pack(t, 0, t.length);
                int s = (int) ((key * MIX) >>> shortShift);
                while (shortSlots[2 * s] != 0) s = (s + 1) & shortMask;
                shortSlots[2 * s] = key;
                shortSlots[2 * s + 1] = r;
            } else {
                long h = hash(t, 0, t.length);
                int s = (int) ((h * MIX) >>> longShift);
                while (longSlots[2 * s + 1] != NONE) s = (s + 1) & longMask;
                longSlots[2 * s] = h;
                longSlots[2 * s + 1] = r;
            }
        }
    }

    /** Table size (as a power of two) at most half full. */
    private static int bitsFor(int n) {
        int bits = 4;
        while ((1 << bits) < 2 * n) bits++;
        return bits;
    }

    int count() {
        return count;
    }

    /** One past the highest rank. */
    int limit() {
        return bytesByRank.length;
    }

    /** The token of rank {@code r}, or null. Not a copy: callers must not change it. */
    byte[] bytes(int r) {
        return r >= 0 && r < bytesByRank.length ? bytesByRank[r] : null;
    }

    /** The rank of {@code b[from, to)}, or {@link #NONE}. */
    int rank(byte[] b, int from, int to) {
        int n = to - from;
        if (n <= tiny) {
            long key = pack(b, from, n);
            long[] slots = tinySlots;
            for (int s = (int) ((key * MIX) >>> tinyShift); ; s = (s + 1) & tinyMask) {
                long k = slots[s];
                if ((k & KEY_MASK) == key) return (int) (k >>> 41);
                if (k == 0) return NONE;
            }
        }
        if (n <= 7) {
            long key = pack(b, from, n);
            long[] slots = shortSlots;
            for (int s = (int) ((key * MIX) >>> shortShift); ; s = (s + 1) & shortMask) {
                long k = slots[2 * s];
                if (k == key) return (int) slots[2 * s + 1];
                if (k == 0) return NONE;
            }
        }
        long h = hash(b, from, to);
        long[] slots = longSlots;
        for (int s = (int) ((h * MIX) >>> longShift); ; s = (s + 1) & longMask) {
            int r = (int) slots[2 * s + 1];
            if (r == NONE) return NONE;
            if (slots[2 * s] == h && sameBytes(bytesByRank[r], b, from, n)) return r;
        }
    }

    /** Whether {@code t} is {@code b[from, from + n)}, 8 bytes at a time ({@code b} is padded). */
    private static boolean sameBytes(byte[] t, byte[] b, int from, int n) {
        if (t.length != n) return false;
        int i = 0;
        for (; i + 8 <= n; i += 8) if ((long) LONGS.get(t, i) != (long) LONGS.get(b, from + i)) return false;
        for (; i < n; i++) if (t[i] != b[from + i]) return false;
        return true;
    }

    /** Up to 7 bytes as a long with a length marker; reads 8 bytes at once when the array has room. */
    static long pack(byte[] b, int from, int n) {
        long marker = 1L << (n << 3);
        if (from + 8 <= b.length) return ((long) LONGS.get(b, from) & (marker - 1)) | marker;
        long k = 0;
        for (int j = n - 1; j >= 0; j--) k = (k << 8) | (b[from + j] & 0xFF);
        return k | marker;
    }

    private static long hash(byte[] b, int from, int to) {
        long h = to - from;
        int i = from;
        for (; i + 8 <= to; i += 8) h = (h ^ (long) LONGS.get(b, i)) * MIX + 0x632BE59BD9B4E019L;
        for (; i < to; i++) h = (h ^ (b[i] & 0xFF)) * MIX;
        return h ^ (h >>> 29);
    }
}
