package dev.cortado.tokenizer.bpe;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * llama.cpp's special-token partition (tokenizer_st_partition): the special tokens, longest text first,
 * each split out of the text fragments left by the ones before; LSTRIP / RSTRIP drop ASCII whitespace
 * beside a match. Control and unknown tokens only when parsing specials; user-defined ones always.
 */
final class LlamaCppSpecials implements SpecialSplitter {
    record Special(int id, String text, boolean control, boolean lstrip, boolean rstrip) {}

    private final List<Special> byLength;

    /** {@code specials} already in llama.cpp's order (longest UTF-8 text first). */
    LlamaCppSpecials(List<Special> specials) {
        this.byLength = List.copyOf(specials);
    }

    @Override
    public List<Segment> split(String text, int from, int to, Predicate<String> allowSpecial) {
        List<Segment> frags = new ArrayList<>();
        frags.add(new Segment(from, to, -1));
        for (Special sp : byLength) {
            if (sp.control() && !allowSpecial.test(sp.text())) continue;
            String tok = sp.text();
            List<Segment> next = new ArrayList<>(frags.size() + 4);
            int occ = text.indexOf(tok, from);  // next occurrence; fragments come in text order
            for (Segment f : frags) {
                if (f.id() >= 0) {
                    next.add(f);
                    continue;
                }
                int pos = f.start();
                while (true) {
                    if (occ >= 0 && occ < pos) occ = text.indexOf(tok, pos);
                    if (occ < 0 || occ + tok.length() > f.end()) break;
                    int leftEnd = occ;
                    if (sp.lstrip()) while (leftEnd > pos && isSpace(text.charAt(leftEnd - 1))) leftEnd--;
                    if (leftEnd > pos) next.add(new Segment(pos, leftEnd, -1));
                    next.add(new Segment(occ, occ + tok.length(), sp.id()));
                    pos = occ + tok.length();
                    if (sp.rstrip()) while (pos < f.end() && isSpace(text.charAt(pos))) pos++;
                }
                if (pos < f.end()) next.add(new Segment(pos, f.end(), -1));
            }
            frags = next;
        }
        return frags;
    }

    /** C's isspace in the "C" locale, as llama.cpp uses on bytes. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
