package dev.cortado.tokenizer.wpm;

import it.unimi.dsi.fastutil.ints.IntArrayList;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits text into words the way llama.cpp's WordPiece pre-processing does: each code point is
 * replaced by the first code point of its NFD decomposition (which drops the accents of precomposed
 * letters: "Ä" → "A"; a separate combining mark stays) and lower-cased; whitespace ends a word;
 * NUL, U+FFFD and control/format/unassigned/private-use code points are dropped; punctuation, ASCII
 * symbols and CJK ideographs become words of their own.
 */
final class BertNormalizer {
    private BertNormalizer() {}

    /** A word: its normalized text and, per char of it, the char offset in the input it came from. */
    record Word(String text, int[] sourceStarts, int[] sourceEnds) {}

    static List<Word> words(String text) {
        List<Word> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        IntArrayList starts = new IntArrayList(), ends = new IntArrayList();
        for (int i = 0; i < text.length(); ) {
            int raw = text.codePointAt(i);
            int next = i + Character.charCount(raw);
            int cp = firstOfNfd(raw);
            if (isWhitespace(cp)) {
                flush(words, cur, starts, ends);
            } else if (cp != 0 && cp != 0xFFFD && !isControl(cp)) {
                int lower = Character.toLowerCase(cp);
                if (isPunctuation(cp) || (cp < 0x7F && isSymbol(cp)) || isChinese(cp)) {
                    flush(words, cur, starts, ends);
                    append(cur, starts, ends, lower, i, next);
                    flush(words, cur, starts, ends);
                } else {
                    append(cur, starts, ends, lower, i, next);
                }
            }
            i = next;
        }
        flush(words, cur, starts, ends);
        return words;
    }

    private static void append(StringBuilder cur, IntArrayList starts, IntArrayList ends, int cp, int from, int to) {
        int n = Character.charCount(cp);
        cur.appendCodePoint(cp);
        for (int k = 0; k < n; k++) {
            starts.add(from);
            ends.add(to);
        }
    }

    private static void flush(List<Word> words, StringBuilder cur, IntArrayList starts, IntArrayList ends) {
        if (cur.length() == 0) return;
        words.add(new Word(cur.toString(), starts.toIntArray(), ends.toIntArray()));
        cur.setLength(0);
        starts.clear();
        ends.clear();
    }

    /** The first code point of the canonical decomposition (llama.cpp keeps only that one). */
    static int firstOfNfd(int cp) {
        // ASCII and most common letters decompose to themselves; skip the normalizer for them.
        if (cp < 0xC0) return cp;
        String s = new String(Character.toChars(cp));
        if (Normalizer.isNormalized(s, Normalizer.Form.NFD)) return cp;
        return Normalizer.normalize(s, Normalizer.Form.NFD).codePointAt(0);
    }

    /** Unicode's White_Space property (what llama.cpp's table holds). */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** \p{C}: control, format, surrogate, private use, unassigned. */
    static boolean isControl(int cp) {
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE
                || t == Character.PRIVATE_USE || t == Character.UNASSIGNED;
    }

    /** \p{P}. */
    static boolean isPunctuation(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** \p{S}. */
    static boolean isSymbol(int cp) {
        return switch (Character.getType(cp)) {
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }

    /** The CJK blocks BERT splits per character (with the same range Hugging Face uses for Extension E/F). */
    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B920 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
