package dev.cortado.tokenizer.tiktoken;

import java.util.Random;

/** Random text built from pieces that exercise the patterns' corners (valid Unicode only: no lone surrogates). */
final class RandomText {
    private static final String[] PIECES = {
            "hello", "Hello", "HELLO", "world", " the", " The", "  ", "   ", " ", "\t", "\n", "\n\n", "\r\n", " \n ", "\n  ",
            "'s", "'S", "'t", "'re", "'RE", "'ve", "'m", "'ll", "'LL", "'d", "'D", "'x", "'", "''", "'ſ", "ſ",
            "0", "12", "123", "1234567", " 42", "3.14", "½", "²", "Ⅻ", "٣٤", "१२",
            "!", "?!", "...", ",", "(", ")", "{", "}", "/", "//", "://", "-", "_", "@", "#", "$", "%", "&", "*", "<", ">",
            "<|", "|>", "<|endoftext", "\u0000", "\u0007", "\u001f", "\u00a0", "\u2003", "\u3000", "\u0085", "\u2028", "\u200b", "\u000b", "\u000c",
            "你好", "世界", "こんにちは", "カタカナ", "한국어", "안녕", "Привет", "МИР", "мир", "Ελληνικά", "ΑΒΓ",
            "नमस्ते", "दुनिया", "مرحبا", "שלום", "ภาษาไทย", "e\u0301", "\u0301", "a\u0308\u0304", "\u20dd", "ǅ", "ǈa", "ʰ", "ʰa", "Aʰb",
            "😀", "👋🏽", "👨‍👩‍👧", "🇫🇷", "\ud83d\ude80", "☃️", "é", "É", "ß", "ẞ", "Ǆ", "ǆ", "ı", "İ",
            "fn main() {", "    return x;", "if (a < b) {", "}\n", "#include <stdio.h>", "x = y + 1", "http://example.com/a/b",
    };

    private RandomText() {}

    static String of(Random r, int pieces) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pieces; i++) sb.append(PIECES[r.nextInt(PIECES.length)]);
        return sb.toString();
    }

    /** Random valid code points from all planes (no surrogates, no unassigned check). */
    static String codePoints(Random r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int cp;
            switch (r.nextInt(4)) {
                case 0 -> cp = r.nextInt(0x80);
                case 1 -> cp = r.nextInt(0x800);
                case 2 -> cp = r.nextInt(0x10000);
                default -> cp = r.nextInt(0x110000);
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }
}
