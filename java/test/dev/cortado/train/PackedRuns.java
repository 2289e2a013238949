package dev.cortado.train;

import dev.cortado.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Test helper: a PackedData's sequences unpacked, and its runs of consecutive masked targets decoded. */
final class PackedRuns {
    private PackedRuns() {}

    static Batch all(PackedData d) {
        int[] order = new int[d.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        return d.batch(order, 0, d.size());
    }

    /** Full token rows (seqLen + 1 each). */
    static List<int[]> rows(PackedData d) {
        Batch b = all(d);
        List<int[]> out = new ArrayList<>();
        for (int r = 0; r < b.rows(); r++) {
            int[] row = new int[b.seqLen() + 1];
            System.arraycopy(b.inputs(), r * b.seqLen(), row, 0, b.seqLen());
            row[b.seqLen()] = b.targets()[r * b.seqLen() + b.seqLen() - 1];
            out.add(row);
        }
        return out;
    }

    /** Each maximal run of masked targets, as token ids, sequence by sequence. */
    static List<int[]> maskedRuns(PackedData d) {
        if (d.size() == 0) return List.of();
        Batch b = all(d);
        List<int[]> runs = new ArrayList<>();
        for (int r = 0; r < b.rows(); r++) {
            List<Integer> cur = new ArrayList<>();
            for (int t = 0; t < b.seqLen(); t++) {
                int i = r * b.seqLen() + t;
                if (b.mask()[i] > 0) {
                    cur.add(b.targets()[i]);
                } else if (!cur.isEmpty()) {
                    runs.add(cur.stream().mapToInt(Integer::intValue).toArray());
                    cur.clear();
                }
            }
            if (!cur.isEmpty()) runs.add(cur.stream().mapToInt(Integer::intValue).toArray());
        }
        return runs;
    }

    /** The masked runs as text, special tokens spelled out (some decoders drop them), sorted. */
    static List<String> decodedRuns(PackedData d, Tokenizer tok) {
        return maskedRuns(d).stream().map(r -> text(tok, r)).sorted().toList();
    }

    static String text(Tokenizer tok, int[] ids) {
        java.util.Map<Integer, String> specials = new java.util.HashMap<>();
        tok.specialTokens().forEach((k, v) -> specials.put(v, k));
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (int i = 0; i <= ids.length; i++) {
            if (i < ids.length && !specials.containsKey(ids[i])) continue;
            sb.append(tok.decode(Arrays.copyOfRange(ids, from, i)));
            if (i < ids.length) sb.append(specials.get(ids[i]));
            from = i + 1;
        }
        return sb.toString();
    }

    static String show(int[] ids) {
        return Arrays.toString(ids);
    }
}
