package dev.cortado.tokenizer;

import dev.cortado.TestFiles;
import dev.cortado.io.llama2c.Llama2cTokenizerFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.cortado.tokenizer.TokenizerData.*;
import static org.junit.jupiter.api.Assertions.*;

/** llama2.c tokenizer.bin ↔ TokenizerData. */
class TokenizerFilesLlama2cTest {
    @TempDir
    Path tmp;

    @Test
    void stories260kVocabulary() {
        TokenizerData t = TokenizerFiles.fromLlama2c(TestFiles.sharedFile("models/stories260K/tok512.bin"), 512);
        assertEquals("llama", t.model());
        assertEquals(512, t.vocabSize());
        assertEquals(List.of("<unk>", "<s>", "</s>", "<0x00>"), t.tokens().subList(0, 4));
        assertEquals("▁t", t.tokens().get(259));
        assertArrayEquals(new int[] {UNKNOWN, CONTROL, CONTROL, BYTE}, java.util.Arrays.copyOf(t.tokenTypes(), 4));
        assertEquals(BYTE, t.tokenTypes()[258]);
        assertEquals(NORMAL, t.tokenTypes()[259]);
        assertEquals(-1f, t.scores()[260]);
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
        assertEquals(0, t.unkId());
        assertEquals(true, t.addBos());
        assertNull(t.merges());
        // The README's prompt ids: "Once upon a time" → 403 "▁Once", 407 "▁upon", 261 "▁a", 378 "▁time".
        assertEquals(List.of("▁Once", "▁upon", "▁a", "▁time"),
                List.of(t.tokens().get(403), t.tokens().get(407), t.tokens().get(261), t.tokens().get(378)));
    }

    @Test
    void backToLlama2cGivesTheSameBytes() throws Exception {
        for (var f : List.of(new Object[] {"models/stories260K/tok512.bin", 512}, new Object[] {"tokenizers/llama2c/tokenizer.bin", 32000})) {
            Path src = TestFiles.sharedFile((String) f[0]);
            TokenizerData t = TokenizerFiles.fromLlama2c(src, (Integer) f[1]);
            Path out = tmp.resolve("tok.bin");
            TokenizerFiles.toLlama2c(t).write(out);
            assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(out), (String) f[0]);
        }
    }

    @Test
    void llama2cToHuggingFaceBuildsMergesFromScores() {
        TokenizerData t = TokenizerFiles.fromLlama2c(TestFiles.sharedFile("models/stories260K/tok512.bin"), 512);
        TokenizerFiles.writeHuggingFace(t, tmp);
        TokenizerData back = TokenizerFiles.fromHuggingFace(tmp.resolve("tokenizer.json"), tmp.resolve("tokenizer_config.json"));
        assertEquals(t.tokens(), back.tokens());
        assertArrayEquals(t.tokenTypes(), back.tokenTypes());
        assertEquals("▁ t", back.merges().get(0), "the highest-scoring piece's split comes first");
        assertEquals(List.of(t.bosId(), t.eosId(), t.unkId()), List.of(back.bosId(), back.eosId(), back.unkId()));
        assertEquals(true, back.addBos());
    }

    @Test
    void gpt2VocabularyIsNotALlama2cOne() {
        TokenizerData t = new TokenizerData("gpt2", "gpt-2", List.of("a"), null, null, List.of(), null, null, null,
                null, null, null, null, null);
        assertThrows(dev.cortado.CortadoException.class, () -> TokenizerFiles.toLlama2c(t));
    }

    @Test
    void fileRecordRoundTrip() {
        Llama2cTokenizerFile f = new Llama2cTokenizerFile(3, List.of(new byte[] {'a'}, new byte[] {'a', 'b', 'c'}), new float[] {0f, -1.5f});
        Path out = tmp.resolve("t.bin");
        f.write(out);
        Llama2cTokenizerFile back = Llama2cTokenizerFile.read(out, 2);
        assertEquals(3, back.maxTokenLength());
        assertArrayEquals(new byte[] {'a', 'b', 'c'}, back.tokens().get(1));
        assertArrayEquals(f.scores(), back.scores());
    }
}
