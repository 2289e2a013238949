package dev.cortado.tokenizer.tiktoken;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The hand-written splitters against tiktoken's regexes run by java.util.regex (with Unicode
 * classes, as Rust's regex reads them), and the whole encoder against JTokkit.
 */
class TiktokenOracleTest {
    private static final EncodingRegistry JTOKKIT = Encodings.newDefaultEncodingRegistry();

    @ParameterizedTest
    @EnumSource(TiktokenPattern.class)
    void splitterMatchesTheRegex(TiktokenPattern pattern) {
        Pattern regex = Pattern.compile(pattern.regex(), Pattern.UNICODE_CHARACTER_CLASS);
        Random r = new Random(42 + pattern.ordinal());
        for (int round = 0; round < 3000; round++) {
            String text = round % 3 == 0 ? RandomText.codePoints(r, 1 + r.nextInt(40)) : RandomText.of(r, 1 + r.nextInt(30));
            assertEquals(regexPieces(regex, text), ourPieces(pattern, text), () -> "text " + escape(text));
        }
    }

    @Test
    void splitterCorners() {
        for (TiktokenPattern p : TiktokenPattern.values()) {
            Pattern regex = Pattern.compile(p.regex(), Pattern.UNICODE_CHARACTER_CLASS);
            for (String text : new String[] {"", " ", "a", "  a", "a  ", "\n", " \n", "\n ", "x'S", "'ll'", "it'ſ",
                    "HELLOworld", "helloWORLD", "ǅungla", "Aʰʰb", "\u0301\u0301A", " \u0301a", "ab//\n", "a b\u00a0c",
                    "123456789", " 1 2 3", "\r\n\r\n x", "x\u2028y", "?? \n\n", "\u0000\u0000"}) {
                assertEquals(regexPieces(regex, text), ourPieces(p, text), () -> p + " text " + escape(text));
            }
        }
    }

    static List<String> regexPieces(Pattern regex, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = regex.matcher(text);
        while (m.find()) out.add(m.group());
        return out;
    }

    static List<String> ourPieces(TiktokenPattern p, String text) {
        byte[] b = Utf8.encode(text);
        int n = b.length - Utf8.PAD;
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; ) {
            int j = p.splitter.next(b, i, n);
            if (j <= i) throw new AssertionError("no progress at " + i + " in " + escape(text));
            out.add(new String(b, i, j - i, StandardCharsets.UTF_8));
            i = j;
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base"})
    void sameIdsAsJTokkit(String name) {
        TiktokenTokenizer ours = Tiktoken.named(name);
        Encoding theirs = JTOKKIT.getEncoding(EncodingType.fromName(name).orElseThrow());
        Random r = new Random(name.hashCode());
        for (int round = 0; round < 2000; round++) {
            String text = round % 4 == 0 ? RandomText.codePoints(r, 1 + r.nextInt(200)) : RandomText.of(r, 1 + r.nextInt(100));
            int[] want = theirs.encodeOrdinary(text).toArray();
            assertArrayEquals(want, ours.encodeOrdinary(text), () -> name + " text " + escape(text));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cl100k_base", "o200k_base", "r50k_base"})
    void pathologicalInputsMatchJTokkit(String name) {
        TiktokenTokenizer ours = Tiktoken.named(name);
        Encoding theirs = JTOKKIT.getEncoding(EncodingType.fromName(name).orElseThrow());
        Random r = new Random(7);
        StringBuilder noSpaces = new StringBuilder();
        while (noSpaces.length() < 40_000) noSpaces.append((char) ('a' + r.nextInt(26)));
        String digits = r.ints(20_000, 0, 10).collect(StringBuilder::new, StringBuilder::append, StringBuilder::append).toString();
        for (String text : List.of(noSpaces.toString(), "a".repeat(40_000), " ".repeat(40_000), "\n".repeat(5000), digits,
                "😀".repeat(5000), "ab".repeat(10_000), "\u0301".repeat(5000))) {
            assertArrayEquals(theirs.encodeOrdinary(text).toArray(), ours.encodeOrdinary(text), () -> name + " " + escape(text.substring(0, 20)));
        }
    }

    @Test
    void megabyteInputsComplete() {
        TiktokenTokenizer enc = Tiktoken.named("cl100k_base");
        Random r = new Random(3);
        StringBuilder noSpaces = new StringBuilder();
        while (noSpaces.length() < 1 << 20) noSpaces.append((char) ('a' + r.nextInt(26)));
        String digits = r.ints(1 << 20, 0, 10).collect(StringBuilder::new, StringBuilder::append, StringBuilder::append).toString();
        for (String text : List.of(noSpaces.toString(), "x".repeat(1 << 20), digits, " ".repeat(1 << 20))) {
            int[] ids = enc.encode(text);
            assertEquals(text, enc.decode(ids));
            assertEquals(ids.length, enc.countTokens(text));
        }
        assertEquals(349_526, enc.encode(digits).length); // groups of three digits, one token each
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7f) sb.append((char) c);
            else sb.append(String.format("\\u{%x}", c));
        });
        return sb.append('"').toString();
    }
}
