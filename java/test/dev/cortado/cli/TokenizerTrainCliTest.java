package dev.cortado.cli;

import dev.cortado.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cortado tokenizer train} end to end: outputs, summary, exit codes, nothing written on failure. */
class TokenizerTrainCliTest {
    @TempDir
    Path tmp;

    @Test
    void trainsShakespeare() throws Exception {
        Path corpus = TestFiles.sharedFile("corpus/tinyshakespeare.txt");
        Path out = tmp.resolve("tok");
        CliTest.Run r = CliTest.run("tokenizer", "train", "--input", corpus.toString(), "--vocab-size", "2000",
                "--out", out.toString(), "--special-tokens", "<|endoftext|>,<|im_start|>,<|im_end|>", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("vocabulary 2,000 (1,741 merges, 3 special tokens)"), r.out());
        assertTrue(r.out().contains("bytes/token"), r.out());
        assertTrue(r.err().contains("counting words"), r.err());
        for (String f : new String[] {"tokenizer.json", "tokenizer.tiktoken", "summary.json"})
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "no temporary directory left beside the output");
        }
    }

    @Test
    void badInputExitsNonZeroAndWritesNothing() throws Exception {
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "");
        Path text = Files.writeString(tmp.resolve("t.txt"), "some text some text");
        Path out = tmp.resolve("tok");
        String[][] cases = {
            {"--input", empty.toString(), "--vocab-size", "300"},
            {"--input", tmp.resolve("nope.txt").toString(), "--vocab-size", "300"},
            {"--input", text.toString(), "--vocab-size", "100"},
            {"--input", text.toString(), "--vocab-size", "300", "--special-tokens", "<s>,<s>"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length + 4];
            args[0] = "tokenizer";
            args[1] = "train";
            System.arraycopy(c, 0, args, 2, c.length);
            args[c.length + 2] = "--out";
            args[c.length + 3] = out.toString();
            CliTest.Run r = CliTest.run(args);
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
            assertTrue(r.err().startsWith("cortado: "), r.err());
            assertFalse(Files.exists(out), String.join(" ", c));
        }
        try (var s = Files.list(tmp)) {
            assertEquals(2, s.count(), "only the two inputs: no temporary directory left");
        }
    }
}
