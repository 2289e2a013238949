package dev.cortado.tokenizer.bpe;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Hugging Face's added-token matching: leftmost-longest over the tokens' contents, with single_word
 * (no word character on either side), lstrip / rstrip (the match swallows whitespace on that side).
 */
final class HfAddedTokens implements SpecialSplitter {
    record Added(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean singleWord) {}

    private static final class Node {
        final Map<Character, Node> next = new HashMap<>(4);
        final List<Added> here = new ArrayList<>(1);
    }

    private final Node root = new Node();
    private final boolean empty;

    HfAddedTokens(List<Added> tokens) {
        for (Added a : tokens) {
            if (a.content().isEmpty()) continue;
            Node n = root;
            for (int i = 0; i < a.content().length(); i++) n = n.next.computeIfAbsent(a.content().charAt(i), c -> new Node());
            n.here.add(a);
        }
        empty = root.next.isEmpty();
    }

    @Override
    public List<Segment> split(String text, int from, int to, Predicate<String> allowSpecial) {
        List<Segment> out = new ArrayList<>();
        if (empty) {
            if (to > from) out.add(new Segment(from, to, -1));
            return out;
        }
        int textStart = from;  // start of the pending text stretch
        int i = from;
        while (i < to) {
            Added best = null;
            int bestEnd = -1;
            Node n = root;
            for (int j = i; j < to; j++) {
                n = n.next.get(text.charAt(j));
                if (n == null) break;
                for (Added a : n.here) {
                    if (a.special() && !allowSpecial.test(a.content())) continue;
                    if (a.singleWord() && (isWordChar(text, i - 1, from, to) || isWordChar(text, j + 1, from, to))) continue;
                    best = a;
                    bestEnd = j + 1;
                }
            }
            if (best == null) {
                i++;
                continue;
            }
            int s = i, e = bestEnd;
            if (best.lstrip()) while (s > textStart && Character.isWhitespace(text.charAt(s - 1))) s--;
            if (best.rstrip()) while (e < to && Character.isWhitespace(text.charAt(e))) e++;
            if (s > textStart) out.add(new Segment(textStart, s, -1));
            out.add(new Segment(s, e, best.id()));
            textStart = i = e;
        }
        if (textStart < to) out.add(new Segment(textStart, to, -1));
        return out;
    }

    private static boolean isWordChar(String t, int i, int from, int to) {
        if (i < from || i >= to) return false;
        char c = t.charAt(i);
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
