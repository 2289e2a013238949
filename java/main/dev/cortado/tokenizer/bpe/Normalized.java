package dev.cortado.tokenizer.bpe;

import it.unimi.dsi.fastutil.ints.IntArrayList;

/**
 * Text after normalization, each char remembering the [start, end) chars of the original text it came
 * from, so that token offsets point into what the caller passed.
 */
final class Normalized {
    final String text;
    final int[] starts, ends;

    Normalized(String text, int[] starts, int[] ends) {
        this.text = text;
        this.starts = starts;
        this.ends = ends;
    }

    /** {@code s}, unchanged, found at {@code base} in the original text. */
    static Normalized of(String s, int base) {
        int[] st = new int[s.length()], en = new int[s.length()];
        for (int i = 0; i < st.length; i++) {
            st[i] = base + i;
            en[i] = base + i + 1;
        }
        return new Normalized(s, st, en);
    }

    /** Builds a new normalized text piece by piece. */
    static final class Builder {
        private final StringBuilder sb = new StringBuilder();
        private final IntArrayList st = new IntArrayList(), en = new IntArrayList();

        /** Appends {@code s}, every char of it standing for original chars [start, end). */
        Builder add(CharSequence s, int start, int end) {
            for (int i = 0; i < s.length(); i++) {
                sb.append(s.charAt(i));
                st.add(start);
                en.add(end);
            }
            return this;
        }

        /** Appends chars [from, to) of {@code n} with their own alignments. */
        Builder copy(Normalized n, int from, int to) {
            sb.append(n.text, from, to);
            for (int i = from; i < to; i++) {
                st.add(n.starts[i]);
                en.add(n.ends[i]);
            }
            return this;
        }

        Normalized build() {
            return new Normalized(sb.toString(), st.toIntArray(), en.toIntArray());
        }
    }

    /** Original start of normalized char {@code i} (the end of the text when i is past it). */
    int startOf(int i) {
        if (i < starts.length) return starts[i];
        return ends.length == 0 ? 0 : ends[ends.length - 1];
    }

    int endOf(int i) {
        if (i >= 0 && i < ends.length) return ends[i];
        return startOf(0);
    }
}
