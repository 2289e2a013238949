package dev.cortado.tokenizer.tiktoken;

import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import dev.cortado.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Tokenizer API on tiktoken encodings: specials, offsets, decoding, streaming, rank files. */
class TiktokenTokenizerTest {
    private final TiktokenTokenizer cl100k = Tiktoken.named("cl100k_base");

    @Test
    void namedEncodingsHaveTiktokensSizesAndSpecials() {
        assertEquals(50257, Tiktoken.named("r50k_base").vocabSize());
        assertEquals(50281, Tiktoken.named("p50k_base").vocabSize());
        assertEquals(50284, Tiktoken.named("p50k_edit").vocabSize());
        assertEquals(100277, cl100k.vocabSize());
        assertEquals(200019, Tiktoken.named("o200k_base").vocabSize());
        assertEquals(100257, cl100k.eosId());
        assertNull(cl100k.bosId());
        assertEquals(Map.of("<|endoftext|>", 199999, "<|endofprompt|>", 200018), Tiktoken.named("o200k_base").specialTokens());
        var e = assertThrows(CortadoException.class, () -> Tiktoken.named("gpt5_base"));
        assertTrue(e.getMessage().contains("cl100k_base, o200k_base"), e.getMessage());
    }

    @Test
    void specialTokens() {
        String text = "a<|fim_prefix|>b<|endoftext|>";
        assertArrayEquals(new int[] {64, 100258, 65, 100257}, cl100k.encode(text));
        int[] ordinary = cl100k.encodeOrdinary(text);
        assertFalse(Arrays.stream(ordinary).anyMatch(id -> id >= 100257));
        assertEquals(text, cl100k.decode(ordinary));
        int[] some = cl100k.encode(text, Set.of("<|endoftext|>"));
        assertEquals(100257, some[some.length - 1]);
        assertFalse(Arrays.stream(some).anyMatch(id -> id == 100258));
        assertEquals(text, cl100k.decode(some));
        assertEquals(4, cl100k.countTokens(text));
        // text before a special is split on its own: the space before it is not glued to what follows
        assertArrayEquals(new int[] {64, 220, 100257, 293}, cl100k.encode("a <|endoftext|> b"));
        assertEquals("<|endoftext|>", cl100k.piece(100257));
        assertEquals("Ġthe", cl100k.piece(cl100k.encode(" the")[0]));
    }

    @Test
    void maxTokensNeverSplitsACharacter() {
        String text = "ab 🌍";
        int[] all = cl100k.encode(text);
        for (int max = 0; max <= all.length + 1; max++) {
            int[] cut = cl100k.encode(text, max);
            assertTrue(cut.length <= max);
            assertTrue(text.startsWith(cl100k.decode(cut)), max + ": " + cl100k.decode(cut));
        }
    }

    @Test
    void badInputDoesNotThrow() {
        String lone = "a\uD800b\uDC00c";
        int[] ids = cl100k.encode(lone);
        assertEquals("a\uFFFDb\uFFFDc", cl100k.decode(ids));
        assertArrayEquals(cl100k.encode("a\uFFFDb\uFFFDc"), ids);
        assertEquals("\u0000x\u0000", cl100k.decode(cl100k.encode("\u0000x\u0000")));
        assertArrayEquals(new int[0], cl100k.encode(""));
        byte[] firstOfEmoji = cl100k.bytes(cl100k.encode("😀")[0]);
        assertTrue(firstOfEmoji.length < 4);
        assertEquals("\uFFFD", cl100k.decode(new int[] {cl100k.encode("😀")[0]}));
        var e = assertThrows(CortadoException.class, () -> cl100k.decode(new int[] {100256}));
        assertTrue(e.getMessage().contains("100256"));
    }

    @Test
    void roundTripsRandomUnicode() {
        for (String name : Tiktoken.NAMES) {
            TiktokenTokenizer enc = Tiktoken.named(name);
            Random r = new Random(name.hashCode());
            for (int round = 0; round < 500; round++) {
                String text = switch (round % 4) {
                    case 0 -> RandomText.codePoints(r, r.nextInt(300));
                    case 1 -> RandomText.of(r, r.nextInt(200));
                    case 2 -> " ".repeat(r.nextInt(300)) + "7".repeat(r.nextInt(300)) + "\n".repeat(r.nextInt(50)) + "x";
                    default -> "é\u0301😀한".repeat(r.nextInt(50));
                };
                int[] ids = enc.encode(text);
                assertEquals(text, enc.decode(ids), name);
                assertEquals(ids.length, enc.countTokens(text));
                assertArrayEquals(ids, enc.encodeBatch(List.of(text, "x")).get(0));
                // streaming: pieces concatenate to the whole, never holding a replacement char for a split character
                Tokenizer.StreamingDecoder d = enc.streamingDecoder();
                StringBuilder sb = new StringBuilder();
                for (int id : ids) sb.append(d.feed(id));
                sb.append(d.finish());
                assertEquals(text, sb.toString(), name);
            }
        }
    }

    @Test
    void streamingFlushesIncompleteBytesAsReplacement() {
        int[] ids = cl100k.encode("😀");
        assertTrue(ids.length > 1);
        Tokenizer.StreamingDecoder d = cl100k.streamingDecoder();
        assertEquals("", d.feed(ids[0]));
        assertEquals("\uFFFD", d.finish());
    }

    @Test
    void offsetsPointIntoTheText() {
        String text = "Hello, wörld! 😀 e\u0301 a<|endoftext|>b\n\n  x";
        Tokenizer.Encoding e = cl100k.encodeWithOffsets(text);
        assertArrayEquals(cl100k.encode(text), e.ids());
        for (int t = 0; t < e.ids().length; t++) {
            String piece = new String(cl100k.bytes(e.ids()[t]), StandardCharsets.UTF_8);
            String span = text.substring(e.starts()[t], e.ends()[t]);
            if (!piece.contains("\uFFFD")) assertEquals(piece, span, "token " + t);
            else assertEquals("😀", span.strip(), "token " + t); // part of the emoji: the emoji's span
            if (t > 0) assertTrue(e.starts()[t] >= e.starts()[t - 1]);
        }
        assertEquals(text.length(), e.ends()[e.ids().length - 1]);
    }

    @Test
    void rankFileRoundTripAndLoad(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("r50k_base.tiktoken");
        Tiktoken.write(Tiktoken.named("r50k_base"), file);
        assertEquals(Files.readString(TestFiles.sharedFile("tokenizers/tiktoken/r50k_base.tiktoken")), Files.readString(file));
        TiktokenTokenizer loaded = Tiktoken.load(file);
        assertArrayEquals(Tiktoken.named("r50k_base").encode("Hello <|endoftext|> world"), loaded.encode("Hello <|endoftext|> world"));
        Path other = dir.resolve("mine.tiktoken");
        Files.copy(file, other);
        var e = assertThrows(CortadoException.class, () -> Tiktoken.load(other));
        assertTrue(e.getMessage().startsWith(other.toString()), e.getMessage());
        TiktokenTokenizer custom = Tiktoken.load(other, TiktokenPattern.R50K, Map.of("<|end|>", 60000));
        assertEquals(60001, custom.vocabSize());
        assertEquals(60000, custom.encode("x<|end|>")[1]);
    }

    @Test
    void malformedRankFilesNameTheFileAndLine(@TempDir Path dir) throws Exception {
        StringBuilder bytes = new StringBuilder();
        for (int v = 0; v < 256; v++)
            bytes.append(java.util.Base64.getEncoder().encodeToString(new byte[] {(byte) v})).append(' ').append(v).append('\n');
        String good = bytes.toString();
        String[][] cases = {
                {good + "!!!! 256\n", "line 257: bad base64"},
                {good + "YWI= x1\n", "line 257: rank 'x1'"},
                {good + "YWI= 99999999999\n", "line 257: rank"},
                {good + "YWI= 3\n", "line 257: rank 3 is given twice"},
                {good + "YWI= 300\nYWI= 301\n", "line 258: token 'YWI=' is given twice"},
                {good + "YWI=\n", "line 257: expected"},
                {good.substring(good.indexOf('\n') + 1), "byte 0x00 has no rank"},
        };
        for (String[] c : cases) {
            Path f = dir.resolve("cl100k_base.tiktoken");
            Files.writeString(f, c[0]);
            var e = assertThrows(CortadoException.class, () -> Tiktoken.load(f));
            assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(c[1]), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        var missing = assertThrows(CortadoException.class, () -> Tiktoken.load(dir.resolve("nope.tiktoken"), TiktokenPattern.CL100K, Map.of()));
        assertTrue(missing.getMessage().contains("nope.tiktoken: no such file"), missing.getMessage());
        Files.writeString(dir.resolve("cl100k_base.tiktoken"), good + "YWI= 256\n");
        assertEquals(2, Tiktoken.load(dir.resolve("cl100k_base.tiktoken")).encode("abab").length);
    }
}
