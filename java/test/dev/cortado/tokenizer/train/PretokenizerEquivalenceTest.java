package dev.cortado.tokenizer.train;

import dev.cortado.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The byte scanners that word counting uses for the named patterns must cut text exactly where the
 * patterns' regexes (which tokenizer.json records, and Hugging Face applies) cut it: checked on the
 * shared corpora and on random text built from the characters where the patterns' rules differ.
 */
class PretokenizerEquivalenceTest {
    private static final String[] ALPHABET = {
            " ", " ", "  ", "\n", "\r\n", "\r", "\t", "\u00a0", "\u3000", "\u2028", "\u000b", "\f",
            "a", "b", "Z", "Q", "é", "É", "ß", "ǅ", "ʰ", "字", "ك", "\u0301", "\u093f",
            "1", "7", "٣", "½", "Ⅻ",
            "'", "'s", "'S", "'ll", "'LL", "'t", "'re", "'ve", "'m", "'d", "’",
            ".", ",", "!", "?", "-", "/", "//", "...", "$", "€", "😀", "👍🏽", "\u200d", "_",
            "the", "The", "THE", "don't", "I'M", "x2", "abc123", "\n\n", "  \n  ", " \n", "\n ",
    };

    private static List<String> regexPieces(Pretokenizer p, String s) {
        List<String> out = new ArrayList<>();
        p.newSplitter().split(s, (t, a, b) -> out.add(t.subSequence(a, b).toString()));
        return out;
    }

    private static List<String> bytePieces(Pretokenizer p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < b.length; ) {
            int j = p.byteSplitter().next(b, i, b.length);
            out.add(new String(b, i, j - i, StandardCharsets.UTF_8));
            i = j;
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "cl100k", "o200k", "llama3"})
    void scannerMatchesRegexOnRandomText(String name) {
        Pretokenizer p = Patterns.forName(name);
        assertNotNull(p.byteSplitter(), name + " has a byte scanner");
        SplittableRandom r = new SplittableRandom(42);
        for (int n = 0; n < 20000; n++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + r.nextInt(12);
            for (int k = 0; k < len; k++) sb.append(ALPHABET[r.nextInt(ALPHABET.length)]);
            String s = sb.toString();
            assertEquals(regexPieces(p, s), bytePieces(p, s), () -> name + " on " + escape(s));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "cl100k", "o200k", "llama3"})
    void scannerMatchesRegexOnCorpora(String name) throws Exception {
        Pretokenizer p = Patterns.forName(name);
        for (String f : new String[] {"tinyshakespeare.txt", "war-and-peace.txt"}) {
            Path path = TestFiles.sharedFile("corpus/" + f);
            String text = Files.readString(path);
            // in blocks of lines, as the counter cuts chunks between lines
            String[] lines = text.split("(?<=\n)");
            StringBuilder block = new StringBuilder();
            for (int i = 0; i < lines.length; i++) {
                block.append(lines[i]);
                if (block.length() > 4000 || i == lines.length - 1) {
                    String s = block.toString();
                    assertEquals(regexPieces(p, s), bytePieces(p, s), () -> name + " in " + f);
                    block.setLength(0);
                }
            }
        }
    }

    @Test
    void customRegexHasNoScanner() {
        assertEquals(null, Patterns.forName("\\w+|\\s+").byteSplitter());
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> sb.append(c < 0x20 || c > 0x7e ? String.format("\\u{%x}", c) : Character.toString(c)));
        return sb.toString();
    }
}
