package dev.cortado.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Moves a SentencePiece-style BPE vocabulary between the two ways of saying which pieces merge first:
 * per-token scores (SentencePiece, GGUF "llama", llama2.c) and a ranked merge list (Hugging Face).
 */
final class SpmScores {
    private SpmScores() {}

    /**
     * Scores that make llama.cpp's SentencePiece tokenizer merge in the order of {@code merges}.
     * That tokenizer repeatedly joins the adjacent pair whose concatenation is a token with the highest
     * score (leftmost on ties), while Hugging Face joins the pair with the lowest merge rank. Giving each
     * token the score {@code -rank} of the first merge that produces it makes "highest score" mean
     * "earliest merge", so both pick the same pair whenever the pair is the one the merge list names.
     * Normal tokens that no merge produces (single characters, pieces only a SentencePiece model could
     * reach) score below every merge, {@code -(merges + id)}: single characters are never joined, and a
     * multi-character one should be tried last, as Hugging Face never produces it. Control, unknown,
     * byte and user-defined tokens score 0, as SentencePiece gives them.
     */
    static float[] fromMerges(List<String> tokens, int[] types, List<String> merges) {
        Map<String, Integer> ids = idsOf(tokens);
        int[] firstRank = new int[tokens.size()];
        Arrays.fill(firstRank, -1);
        for (int r = 0; r < merges.size(); r++) {
            String[] pair = splitMerge(merges.get(r));
            if (pair == null) continue;
            Integer id = ids.get(pair[0] + pair[1]);
            if (id != null && firstRank[id] < 0) firstRank[id] = r;
        }
        float[] scores = new float[tokens.size()];
        for (int i = 0; i < scores.length; i++) {
            int type = types == null ? TokenizerData.NORMAL : types[i];
            if (type != TokenizerData.NORMAL) scores[i] = 0f;
            else scores[i] = firstRank[i] >= 0 ? (float) -firstRank[i] : (float) -((long) merges.size() + i);  // int negation: no -0.0
        }
        return scores;
    }

    /**
     * The merge list Hugging Face's SentencePiece converter builds from scores: for every normal piece,
     * each split into two normal pieces (ordered by their ids), all ordered by the merged piece's score,
     * highest first, ties kept in id order.
     */
    static List<String> toMerges(List<String> tokens, int[] types, float[] scores) {
        Map<String, Integer> ids = idsOf(tokens);
        record Candidate(String merge, int left, int right, float score) {}
        List<Candidate> all = new ArrayList<>();
        List<Candidate> local = new ArrayList<>();
        for (int id = 0; id < tokens.size(); id++) {
            if (!isNormal(types, id)) continue;
            String piece = tokens.get(id);
            local.clear();
            for (int k = piece.offsetByCodePoints(0, Math.min(1, piece.length())); k < piece.length();
                 k = piece.offsetByCodePoints(k, 1)) {
                Integer l = ids.get(piece.substring(0, k)), r = ids.get(piece.substring(k));
                if (l != null && r != null && isNormal(types, l) && isNormal(types, r))
                    local.add(new Candidate(piece.substring(0, k) + " " + piece.substring(k), l, r, scores == null ? 0 : scores[id]));
            }
            local.sort((a, b) -> a.left != b.left ? Integer.compare(a.left, b.left) : Integer.compare(a.right, b.right));
            all.addAll(local);
        }
        // List.sort is stable; compare with < and > so that -0.0 and 0.0 tie, as they do in Python.
        all.sort((a, b) -> a.score > b.score ? -1 : a.score < b.score ? 1 : 0);
        List<String> merges = new ArrayList<>(all.size());
        for (Candidate c : all) merges.add(c.merge);
        return merges;
    }

    /** "a b" → {a, b}, splitting at the first space after the first character, as llama.cpp does. */
    static String[] splitMerge(String merge) {
        int sp = merge.indexOf(' ', 1);
        return sp < 0 ? null : new String[] {merge.substring(0, sp), merge.substring(sp + 1)};
    }

    private static boolean isNormal(int[] types, int id) {
        return types == null || types[id] == TokenizerData.NORMAL;
    }

    private static Map<String, Integer> idsOf(List<String> tokens) {
        Map<String, Integer> ids = new java.util.HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) ids.putIfAbsent(tokens.get(i), i);
        return ids;
    }
}
