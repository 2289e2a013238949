package dev.cortado.tokenizer.spm;

import dev.cortado.TestFiles;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of SentencePieceBpe over the SentencePiece vocabularies with byte fallback: decoding the
 * encoding gives the text back (the "▁" put in front is removed again on decode, so a text that starts
 * with a space keeps it), odd input completes, and long input takes time linear in its length.
 * (TinyStories-656K has no byte tokens, so characters outside it decode as its unknown token.)
 */
class SentencePieceBpePropertyTest {
    static List<Tokenizer> vocabularies() {
        List<Tokenizer> out = new ArrayList<>();
        out.add(Tokenizers.load(TestFiles.sharedFile("tokenizers/hf/mistral-7b-v0.1-like/tokenizer.json").toString()));
        out.add(Tokenizers.load(TestFiles.sharedFile("tokenizers/llama2c/tokenizer.bin") + ":32000"));
        out.add(Tokenizers.load(TestFiles.sharedFile("tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf").toString()));
        out.add(Tokenizers.load(TestFiles.sharedFile("models/stories260K/tok512.bin").toString()));
        return out;
    }

    private static final String[] POOLS = {
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", "      ", "\n\n\t\r", ".,;:!?'\"()[]{}<>-_/\\@#$%^&*",
        "éèêëàâäôöûüçñßÆØÅ", "привет мир", "日本語中文字漢字한국어", "\u0301\u0308\u0327\u20DD", "\u200D\uFE0F\u00A0\u3000",
        "🦙🚀😶🌫️👨‍👩‍👧✅🍏", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢𝟘𝟙", "\u0000\u0001\u007F",
    };

    static String randomText(Random r) {
        StringBuilder sb = new StringBuilder();
        int parts = 1 + r.nextInt(12);
        for (int p = 0; p < parts; p++) {
            String pool = POOLS[r.nextInt(POOLS.length)];
            int[] cps = pool.codePoints().toArray();
            int run = 1 + (r.nextInt(8) == 0 ? r.nextInt(40) : r.nextInt(6));
            for (int k = 0; k < run; k++) sb.appendCodePoint(cps[r.nextInt(cps.length)]);
        }
        return sb.toString();
    }

    @Test
    void decodeOfEncodeIsTheText() {
        Random r = new Random(4);
        for (Tokenizer t : vocabularies()) {
            for (int i = 0; i < 400; i++) {
                String text = randomText(r);
                assertEquals(text, t.decode(t.encodeOrdinary(text)), () -> "round trip of [" + text + "]");
                // streamed decoding gives the same text
                Tokenizer.StreamingDecoder d = t.streamingDecoder();
                StringBuilder sb = new StringBuilder();
                for (int id : t.encodeOrdinary(text)) sb.append(d.feed(id));
                assertEquals(text, sb.append(d.finish()).toString());
            }
        }
    }

    @Test
    void offsetsCoverTheTextInOrder() {
        Random r = new Random(5);
        Tokenizer t = vocabularies().get(0);
        for (int i = 0; i < 200; i++) {
            String text = randomText(r);
            Tokenizer.Encoding e = t.encodeWithOffsets(text);
            int prevEnd = 0;
            for (int k = 0; k < e.ids().length; k++) {
                assertTrue(e.starts()[k] <= e.ends()[k] && e.ends()[k] <= text.length(), text);
                assertTrue(e.ends()[k] >= prevEnd, text);
                prevEnd = e.ends()[k];
            }
            assertEquals(text.isEmpty() ? 0 : text.length(), prevEnd, text);
        }
    }

    @Test
    void oddInputCompletes() {
        for (Tokenizer t : vocabularies()) {
            t.encode("lone \uD800 high, lone \uDFFF low, reversed \uDC00\uD800, NUL \u0000 end");
            t.encode("\uD83D");
            t.encode("");
            assertEquals(0, t.encode("").length);
            t.decode(new int[0]);
        }
    }

    @Test
    void oneMegabyteWithoutSpacesIsLinear() {
        Tokenizer t = vocabularies().get(0);
        StringBuilder sb = new StringBuilder();
        Random r = new Random(6);
        while (sb.length() < 1 << 20) sb.append("abcdefghijklmnopqrstuvwxyz0123456789日本語🦙".charAt(r.nextInt(40)));
        String big = sb.toString();
        String repeated = "a".repeat(1 << 20);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            assertTrue(t.encode(big).length > 1000);
            assertTrue(t.encode(repeated).length > 1000);
        });
    }
}
