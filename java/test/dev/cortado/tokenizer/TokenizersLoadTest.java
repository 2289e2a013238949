package dev.cortado.tokenizer;

import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import dev.cortado.tokenizer.spm.SentencePieceBpe;
import dev.cortado.tokenizer.wpm.WordPiece;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tokenizers.load: every accepted kind of name or path, and one-line errors for the rest. */
class TokenizersLoadTest {
    @TempDir
    Path tmp;

    @Test
    void tokenizerJsonFileAndDirectoryAndModelDirectory() {
        Path dir = TestFiles.sharedFile("models/tinystories-656k");
        int[] want = {1, 80, 147, 201, 282, 57};
        assertArrayEquals(want, Tokenizers.load(dir.resolve("tokenizer.json").toString()).encodeForModel("Once upon a time"));
        assertArrayEquals(want, Tokenizers.load(dir.toString()).encodeForModel("Once upon a time"));
        assertInstanceOf(SentencePieceBpe.class, Tokenizers.load(dir.toString()));
    }

    @Test
    void ggufLlamaAndBert() {
        Tokenizer spm = Tokenizers.load(TestFiles.sharedFile("tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf").toString());
        assertInstanceOf(SentencePieceBpe.class, spm);
        Tokenizer bert = Tokenizers.load(TestFiles.sharedFile("tokenizers/llama.cpp-vocab/ggml-vocab-bert-bge.gguf").toString());
        assertInstanceOf(WordPiece.class, bert);
        assertArrayEquals(new int[] {101, 7592, 2088, 102}, bert.encodeForModel("Hello world"));
    }

    @Test
    void llama2cTokenizerAndCheckpoint() {
        Path tok = TestFiles.sharedFile("models/stories260K/tok512.bin");
        assertEquals(512, Tokenizers.load(tok.toString()).vocabSize());
        assertEquals(512, Tokenizers.load(tok + ":512").vocabSize());
        assertEquals(32000, Tokenizers.load(TestFiles.sharedFile("tokenizers/llama2c/tokenizer.bin").toString()).vocabSize());
        // the checkpoint: ModelLoader finds tok512.bin beside it
        Path ckpt = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, Tokenizers.load(ckpt.toString()).encodeForModel("Once upon a time"));
        CortadoException e = assertThrows(CortadoException.class, () -> Tokenizers.load(tok + ":500"));
        assertTrue(e.getMessage().contains("bytes follow"), e.getMessage());
    }

    @Test
    void byteLevelAndTiktokenNeedTheirClasses() {
        try {
            Tokenizers.load("o200k_base");
        } catch (CortadoException e) {
            assertTrue(e.getMessage().contains("dev.cortado.tokenizer.tiktoken.Tiktoken"), e.getMessage());
        }
        try {
            Tokenizers.load(TestFiles.sharedFile("tokenizers/hf/llama3/tokenizer.json").toString());
        } catch (CortadoException e) {
            assertTrue(e.getMessage().contains("dev.cortado.tokenizer.bpe.ByteLevelBpe"), e.getMessage());
        }
    }

    @Test
    void badNamesAndFilesAreOneLineErrors() throws Exception {
        Path garbage = tmp.resolve("garbage.bin");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13});
        Path badJson = tmp.resolve("tokenizer.json");
        Files.writeString(badJson, "{\"model\": ");
        Path emptyDir = Files.createDirectory(tmp.resolve("empty"));
        Path fakeGguf = tmp.resolve("x.gguf");
        Files.writeString(fakeGguf, "GGUF but not really");
        for (String bad : new String[] {"nope", "", garbage.toString(), badJson.toString(), emptyDir.toString(),
                fakeGguf.toString(), tmp.resolve("missing.tiktoken").toString()}) {
            CortadoException e = assertThrows(CortadoException.class, () -> Tokenizers.load(bad), bad);
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        CortadoException e = assertThrows(CortadoException.class, () -> Tokenizers.load("nope"));
        assertTrue(e.getMessage().contains("cl100k_base") && e.getMessage().contains("tokenizer.json"), e.getMessage());
    }
}
