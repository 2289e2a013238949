package dev.cortado.cli;

import dev.cortado.TestFiles;
import dev.cortado.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerConvertCommandTest {
    @TempDir
    Path tmp;

    @Test
    void cl100kToTiktokenGgufAndJson() throws Exception {
        Path tk = tmp.resolve("cl100k_base.tiktoken");
        CliTest.Run r = CliTest.run("tokenizer", "convert", "--in", "cl100k_base", "--out", tk.toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(Files.readAllBytes(TestFiles.sharedFile("tokenizers/tiktoken/cl100k_base.tiktoken")), Files.readAllBytes(tk),
                "the rank file written back is byte-identical to tiktoken's");
        Path gguf = tmp.resolve("cl100k.gguf");
        assertEquals(0, CliTest.run("tokenizer", "convert", "--in", "cl100k_base", "--out", gguf.toString()).code());
        assertArrayEquals(new int[] {15339, 1917}, Tokenizers.load(gguf).encode("hello world"));
        Path dir = tmp.resolve("cl100k-hf");
        assertEquals(0, CliTest.run("tokenizer", "convert", "--in", "cl100k_base", "--out", dir.toString()).code());
        assertArrayEquals(new int[] {15339, 1917}, Tokenizers.load(dir).encode("hello world"));
    }

    @Test
    void llamaVocabularyToTiktokenIsRefused() {
        Path dir = TestFiles.sharedFile("models/tinystories-656k");
        CliTest.Run r = CliTest.run("tokenizer", "convert", "--in", dir.toString(), "--out", tmp.resolve("x.tiktoken").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("byte-level"), r.err());
    }
}
