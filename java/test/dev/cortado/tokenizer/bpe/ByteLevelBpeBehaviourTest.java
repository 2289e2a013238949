package dev.cortado.tokenizer.bpe;

import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import dev.cortado.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Round trips, special tokens, offsets, streaming and bad input for the byte-level BPE tokenizers. */
class ByteLevelBpeBehaviourTest {
    private static Tokenizer llama3, qwen3, gpt2;

    static Tokenizer llama3() {
        if (llama3 == null) llama3 = ByteLevelBpe.fromHuggingFace(TestFiles.sharedFile("tokenizers/hf/llama3/tokenizer.json"));
        return llama3;
    }

    static Tokenizer qwen3() {
        if (qwen3 == null) qwen3 = ByteLevelBpe.fromHuggingFace(TestFiles.sharedFile("tokenizers/hf/qwen3/tokenizer.json"));
        return qwen3;
    }

    static Tokenizer gpt2() {
        if (gpt2 == null) gpt2 = ByteLevelBpe.fromGguf(TestFiles.sharedFile("tokenizers/llama.cpp-vocab/ggml-vocab-gpt-2.gguf"));
        return gpt2;
    }

    private static final String[] ALPHABET = {"a", "Z", "é", "e\u0301", "ß", "中", "文", "日本", "한", "🙂", "👩‍💻", "🇫🇷",
            " ", "  ", "\t", "\n", "\r\n", "\u00A0", "\u3000", "0", "123", "4567890", "'s", "'LL", "!", "...", "<", "|>",
            "\u0000", "\uFFFD", "ﬁ", "Ω", "\u200D", "\u0308", "€", "$", "_", "\\", "\"", "𝔘"};

    private static String random(Random r, int parts) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            String p = ALPHABET[r.nextInt(ALPHABET.length)];
            int rep = r.nextInt(10) == 0 ? 20 + r.nextInt(40) : 1;  // long whitespace / digit runs
            sb.append(p.repeat(rep));
        }
        return sb.toString();
    }

    @Test
    void decodeOfEncodeIsIdentityOnRandomUnicode() {
        Random r = new Random(42);
        for (Tokenizer t : new Tokenizer[] {llama3(), qwen3(), gpt2()}) {
            for (int i = 0; i < 300; i++) {
                String s = random(r, 1 + r.nextInt(30));
                // Qwen's NFC normalizer composes "e\u0301": compare with what it encodes.
                String want = t == qwen3 ? java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFC) : s;
                assertEquals(want, t.decode(t.encodeOrdinary(s)), "round trip of " + s.codePoints().boxed().toList());
            }
        }
    }

    @Test
    void specialTokensAreRecognisedOnlyWhenAsked() {
        Tokenizer t = qwen3();
        int imStart = t.specialTokens().get("<|im_start|>");
        int[] special = t.encode("<|im_start|>user");
        assertEquals(imStart, special[0]);
        int[] ordinary = t.encodeOrdinary("<|im_start|>user");
        assertTrue(ordinary.length > 2 && ordinary[0] != imStart);
        assertEquals("<|im_start|>user", t.decode(ordinary));
        assertArrayEquals(special, t.encode("<|im_start|>user", Set.of("<|im_start|>")));
        assertArrayEquals(ordinary, t.encode("<|im_start|>user", Set.of()));
        // A non-special added token (<think>) is matched always, as Hugging Face does.
        assertEquals(1, t.encodeOrdinary("<think>").length);
        assertEquals("<|im_start|>user", t.decode(special));
    }

    @Test
    void ggufControlTokensAndBos() {
        Tokenizer t = gpt2();
        int eot = t.specialTokens().get("<|endoftext|>");
        assertArrayEquals(new int[] {eot}, t.encode("<|endoftext|>"));
        assertNotEquals(1, t.encodeOrdinary("<|endoftext|>").length);
        assertFalse(t.addsBos());
        assertArrayEquals(t.encode("Hello"), t.encodeForModel("Hello"));
    }

    @Test
    void offsetsPointIntoTheText() {
        for (Tokenizer t : new Tokenizer[] {llama3(), qwen3(), gpt2()}) {
            String s = "Hello, wörld! 🙂 <|im_start|>  12345\n\n中文";
            Tokenizer.Encoding e = t.encodeWithOffsets(s);
            assertArrayEquals(t.encode(s), e.ids());
            int prevEnd = 0;
            for (int i = 0; i < e.ids().length; i++) {
                assertTrue(e.starts()[i] >= 0 && e.starts()[i] <= e.ends()[i] && e.ends()[i] <= s.length(), "token " + i);
                assertTrue(e.starts()[i] >= prevEnd - 2, "offsets go forward (a split code point may share chars)");
                prevEnd = e.ends()[i];
            }
            assertEquals(s.length(), e.ends()[e.ids().length - 1]);
            // "Hello" is the first token for all three vocabularies
            assertEquals("Hello", s.substring(e.starts()[0], e.ends()[0]));
        }
    }

    @Test
    void streamingDecoderHoldsBackPartialUtf8() {
        Tokenizer t = llama3();
        String s = "naïve 🙂 中文 done";
        int[] ids = t.encode(s);
        Tokenizer.StreamingDecoder d = t.streamingDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String part = d.feed(id);
            assertFalse(part.contains("\uFFFD"), "no replacement char mid-stream");
            sb.append(part);
        }
        sb.append(d.finish());
        assertEquals(s, sb.toString());
        // bytes alone that are not UTF-8 decode to U+FFFD
        int[] emojiBytes = t.encodeOrdinary("🙂");
        if (emojiBytes.length > 1) assertTrue(t.decode(new int[] {emojiBytes[0]}).contains("\uFFFD"));
    }

    @Test
    void badInputIsEncodedNotThrown() {
        for (Tokenizer t : new Tokenizer[] {llama3(), qwen3(), gpt2()}) {
            assertEquals("a\uFFFDb\uFFFD", t.decode(t.encode("a\uD800b\uDC00")));
            assertEquals("a\u0000b", t.decode(t.encode("a\u0000b")));
            assertEquals(0, t.encode("").length);
        }
        assertThrows(CortadoException.class, () -> llama3().decode(new int[] {-1}));
        assertThrows(CortadoException.class, () -> llama3().decode(new int[] {llama3().vocabSize()}));
    }

    @Test
    void oneMegabyteWithoutSpacesIsNotQuadratic() {
        Random r = new Random(1);
        StringBuilder sb = new StringBuilder(1 << 20);
        while (sb.length() < (1 << 20)) sb.append((char) ('a' + r.nextInt(26)));
        String letters = sb.toString();
        for (Tokenizer t : new Tokenizer[] {llama3(), gpt2()}) {
            for (String s : new String[] {letters, "7".repeat(1 << 20), "!".repeat(1 << 20), " ".repeat(1 << 20)}) {
                long t0 = System.nanoTime();
                int[] ids = t.encode(s);
                double secs = (System.nanoTime() - t0) / 1e9;
                assertTrue(secs < 20, "1 MB took " + secs + " s");
                assertEquals(s, t.decode(ids));
            }
        }
    }

    @Test
    void malformedFilesGiveOneLineErrorsNamingTheFile(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("tokenizer.json");
        Files.writeString(bad, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a\"]}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}");
        CortadoException e = assertThrows(CortadoException.class, () -> ByteLevelBpe.fromHuggingFace(bad));
        assertTrue(e.getMessage().contains(bad.toString()) && !e.getMessage().contains("\n"), e.getMessage());
        Files.writeString(bad, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": "
                + "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"(\"}, \"behavior\": \"Isolated\"}}");
        e = assertThrows(CortadoException.class, () -> ByteLevelBpe.fromHuggingFace(bad));
        assertTrue(e.getMessage().contains(bad.toString()) && !e.getMessage().contains("\n"), e.getMessage());
        Files.writeString(bad, "{\"model\": ");
        e = assertThrows(CortadoException.class, () -> ByteLevelBpe.fromHuggingFace(bad));
        assertTrue(e.getMessage().contains(bad.toString()) && !e.getMessage().contains("\n"), e.getMessage());
        Path missing = dir.resolve("missing.gguf");
        e = assertThrows(CortadoException.class, () -> ByteLevelBpe.fromGguf(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
