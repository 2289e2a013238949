package dev.cortado.cli;

import dev.cortado.TestFiles;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cortado tokenize} end to end: output modes, stdin handling, special tokens, errors. */
class TokenizeCommandTest {
    static String mistral() {
        return TestFiles.sharedFile("tokenizers/hf/mistral-7b-v0.1-like/tokenizer.json").toString();
    }

    static CliTest.Run withStdin(byte[] stdin, String... args) {
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream(stdin));
            return CliTest.run(args);
        } finally {
            System.setIn(old);
        }
    }

    static void ok(CliTest.Run r, String out) {
        assertEquals(0, r.code(), r.err());
        assertEquals(out, r.out().replace("\r\n", "\n"));
    }

    @Test
    void idsCountPiecesOffsets() {
        String tok = mistral();
        ok(CliTest.run("tokenize", "--tokenizer", tok, "--text", "Hello world"), "[22557,1526]\n");
        ok(CliTest.run("tokenize", "--tokenizer", tok, "--ids", "--text", "Hello world"), "[22557,1526]\n");
        ok(CliTest.run("tokenize", "--tokenizer", tok, "--bos", "--text", "Hello world"), "[1,22557,1526]\n");
        ok(CliTest.run("tokenize", "--tokenizer", tok, "--count", "--text", "Hello world"), "2\n");
        ok(CliTest.run("tokenize", "--tokenizer", tok, "--pieces", "--text", "Hello world"), "[\"▁Hello\",\"▁world\"]\n");
        ok(CliTest.run("tokenize", "--tokenizer", tok, "--offsets", "--text", "Hello world"), "[[0,5],[5,11]]\n");
        ok(CliTest.run("tokenize", "--tokenizer", tok, "--offsets", "--bos", "--text", "Hello world"), "[[0,0],[0,5],[5,11]]\n");
    }

    @Test
    void specialTokenTextIsPlainUnlessAllowed() {
        String tok = mistral();
        CliTest.Run plain = CliTest.run("tokenize", "--tokenizer", tok, "--text", "<s>Hi");
        assertEquals(0, plain.code(), plain.err());
        assertFalse(plain.out().startsWith("[1,"), plain.out());
        CliTest.Run special = CliTest.run("tokenize", "--tokenizer", tok, "--allow-special", "--text", "<s>Hi");
        assertTrue(special.out().startsWith("[1,"), special.out());
    }

    @Test
    void stdinIsOneInputUnlessLines() {
        String tok = mistral();
        byte[] two = "Hello\nworld\n".getBytes(StandardCharsets.UTF_8);
        CliTest.Run whole = withStdin(two, "tokenize", "--tokenizer", tok, "--count");
        assertEquals(0, whole.code(), whole.err());
        assertEquals(1, whole.out().strip().lines().count(), whole.out());
        ok(withStdin(two, "tokenize", "--tokenizer", tok, "--lines"), "[22557]\n[1526]\n");
        ok(withStdin("Hello\r\nworld".getBytes(StandardCharsets.UTF_8), "tokenize", "--tokenizer", tok, "--lines"), "[22557]\n[1526]\n");
    }

    @Test
    void invalidUtf8BecomesReplacementCharacters() {
        String tok = mistral();
        CliTest.Run bad = withStdin(new byte[] {'a', (byte) 0xff, (byte) 0xc3, 'b'}, "tokenize", "--tokenizer", tok, "--pieces");
        CliTest.Run fffd = CliTest.run("tokenize", "--tokenizer", tok, "--pieces", "--text", "a\uFFFD\uFFFDb");
        assertEquals(0, bad.code(), bad.err());
        assertEquals(fffd.out(), bad.out());
    }

    @Test
    void bertGgufWrapsInClsAndSep() {
        String gguf = TestFiles.sharedFile("tokenizers/llama.cpp-vocab/ggml-vocab-bert-bge.gguf").toString();
        ok(CliTest.run("tokenize", "--tokenizer", gguf, "--bos", "--text", "Hello world"), "[101,7592,2088,102]\n");
    }

    @Test
    void llama2cTokenizerBinWithAndWithoutVocabSize() {
        String bin = TestFiles.sharedFile("models/stories260K/tok512.bin").toString();
        ok(CliTest.run("tokenize", "--tokenizer", bin, "--bos", "--text", "Once upon a time"), "[1,403,407,261,378]\n");
        ok(CliTest.run("tokenize", "--tokenizer", bin + ":512", "--bos", "--text", "Once upon a time"), "[1,403,407,261,378]\n");
    }

    @Test
    void unknownTokenizerIsOneLineError() {
        CliTest.Run r = CliTest.run("tokenize", "--tokenizer", "no-such-tokenizer", "--text", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("cortado: no-such-tokenizer: no such tokenizer"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void conflictingModesAreRefused() {
        CliTest.Run r = CliTest.run("tokenize", "--tokenizer", mistral(), "--count", "--pieces", "--text", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("at most one of"), r.err());
    }

    @Test
    void tiktokenNameWorksOrSaysWhatIsMissing() {
        CliTest.Run r = CliTest.run("tokenize", "--tokenizer", "cl100k_base", "--text", "hello world");
        if (r.code() == 0) assertEquals("[15339,1917]\n", r.out().replace("\r\n", "\n"));
        else assertTrue(r.err().contains("dev.cortado.tokenizer.tiktoken.Tiktoken"), r.err());
    }
}
