package dev.cortado.tokenizer.tiktoken;

import java.util.Arrays;

/** A growable list of token ids; in counting mode it only counts (for {@code countTokens}). */
final class IdList {
    private int[] ids;
    private int size;
    private final boolean countOnly;

    IdList(int capacity, boolean countOnly) {
        this.countOnly = countOnly;
        this.ids = countOnly ? null : new int[Math.max(16, capacity)];
    }

    void add(int id) {
        if (!countOnly) {
            if (size == ids.length) ids = Arrays.copyOf(ids, ids.length + (ids.length >> 1) + 16);
            ids[size] = id;
        }
        size++;
    }

    int size() {
        return size;
    }

    int get(int i) {
        return ids[i];
    }

    void truncate(int n) {
        size = Math.min(size, n);
    }

    int[] toArray() {
        return countOnly ? new int[0] : Arrays.copyOf(ids, size);
    }
}
