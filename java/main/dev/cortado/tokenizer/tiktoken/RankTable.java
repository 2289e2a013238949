package dev.cortado.tokenizer.tiktoken;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Byte sequence → rank, the lookup BPE makes for every candidate merge. Sequences of up to 7 bytes
 * (most tokens) are packed into one long (bytes little-endian, then a 1 bit that marks the length)
 * in an open-addressing table of longs; longer ones live in a byte pool with their own table.
 * Also rank → bytes for decoding. Immutable after construction.
 */
final class RankTable {
    static final int NONE = -1;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long MIX = 0x9E3779B97F4A7C15L;

    /** Slot s holds its key at [2s] and its rank at [2s + 1]: one cache line per probe. */
    private final long[] shortSlots;
    private final int shortMask;
    private final int shortShift;
    private final int[] longSlots; // rank of a long token, or NONE
    private final int longShift;
    private final byte[][] bytesByRank;
    private final int count;

    /** {@code bytesByRank[r]} is the token of rank r, or null where no token has that rank. */
    RankTable(byte[][] bytesByRank) {
        this.bytesByRank = bytesByRank;
        int shorts = 0, longs = 0;
        for (byte[] t : bytesByRank) {
            if (t == null) continue;
            if (t.length <= 7) shorts++;
            else longs++;
        }
        count = shorts + longs;
        int shortBits = bitsFor(shorts), longBits = bitsFor(longs);
        shortSlots = new long[2 << shortBits];
        shortMask = (1 << shortBits) - 1;
        shortShift = 64 - shortBits;
        longSlots = new int[1 << longBits];
        Arrays.fill(longSlots, NONE);
        longShift = 64 - longBits;
        for (int r = 0; r < bytesByRank.length; r++) {
            byte[] t = bytesByRank[r];
            if (t == null) continue;
            if (t.length <= 7) {
                long key = pack(t, 0, t.length);
                int s = (int) ((key * MIX) >>> shortShift);
                while (shortSlots[2 * s] != 0) s = (s + 1) & shortMask;
                shortSlots[2 * s] = key;
                shortSlots[2 * s + 1] = r;
            } else {
                int s = (int) ((hash(t, 0, t.length) * MIX) >>> longShift);
                while (longSlots[s] != NONE) s = (s + 1) & (longSlots.length - 1);
                longSlots[s] = r;
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
        if (n <= 7) {
            long key = pack(b, from, n);
            long[] slots = shortSlots;
            for (int s = (int) ((key * MIX) >>> shortShift); ; s = (s + 1) & shortMask) {
                long k = slots[2 * s];
                if (k == key) return (int) slots[2 * s + 1];
                if (k == 0) return NONE;
            }
        }
        int mask = longSlots.length - 1;
        for (int s = (int) ((hash(b, from, to) * MIX) >>> longShift); ; s = (s + 1) & mask) {
            int r = longSlots[s];
            if (r == NONE) return NONE;
            byte[] t = bytesByRank[r];
            if (t.length == n && Arrays.equals(t, 0, n, b, from, to)) return r;
        }
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
