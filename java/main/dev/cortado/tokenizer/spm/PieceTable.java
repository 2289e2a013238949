package dev.cortado.tokenizer.spm;

import java.util.List;

/**
 * Piece text → id, looked up by a range of a {@link CharSequence} without making a String, so that
 * trying each candidate pair during BPE allocates nothing. Open addressing over String-compatible hashes.
 */
final class PieceTable {
    private final String[] keys;
    private final int[] values;
    private final int mask;

    PieceTable(List<String> pieces) {
        int cap = Integer.highestOneBit(Math.max(4, pieces.size() * 2 - 1)) << 1;
        keys = new String[cap];
        values = new int[cap];
        mask = cap - 1;
        for (int id = 0; id < pieces.size(); id++) {
            String p = pieces.get(id);
            int slot = mix(p.hashCode()) & mask;
            while (keys[slot] != null && !keys[slot].equals(p)) slot = (slot + 1) & mask;
            if (keys[slot] == null) {  // where a text occurs twice the lower id wins
                keys[slot] = p;
                values[slot] = id;
            }
        }
    }

    /** The id of {@code text[from, to)}, or -1. */
    int get(CharSequence text, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) h = 31 * h + text.charAt(i);
        int len = to - from;
        for (int slot = mix(h) & mask; keys[slot] != null; slot = (slot + 1) & mask) {
            String k = keys[slot];
            if (k.length() == len && regionEquals(k, text, from)) return values[slot];
        }
        return -1;
    }

    int get(String text) {
        return get(text, 0, text.length());
    }

    private static boolean regionEquals(String k, CharSequence text, int from) {
        for (int i = 0; i < k.length(); i++) if (k.charAt(i) != text.charAt(from + i)) return false;
        return true;
    }

    private static int mix(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
