package dev.cortado.cli;

import dev.cortado.Progress;
import dev.cortado.TestFiles;
import dev.cortado.io.Npy;
import dev.cortado.io.gguf.GgufFile;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.gguf.GgufWriter;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.ModelWriter;
import dev.cortado.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cortado generate} and {@code cortado logits} end to end, and their bad input. */
class EngineCliTest {
    @TempDir
    Path tmp;

    @Test
    void generatePrintsOnlyTheTextOnStdout() throws Exception {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        String want = Files.readString(bin.resolveSibling("expected_greedy_prompt_once_upon_a_time_100.txt"), StandardCharsets.UTF_8);
        // llama2.c's 100 steps = 5 prompt positions (BOS + 4) then 96 new tokens
        CliTest.Run r = CliTest.run("generate", "--model", bin.toString(), "--prompt", "Once upon a time", "-n", "96",
                "--temp", "0", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertEquals(want, r.out());
        assertTrue(r.err().contains("tok/s"), r.err());
    }

    @Test
    void kvTypeF32GivesTheSameGreedyTextAndABadTypeIsOneLine() throws Exception {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        String want = Files.readString(bin.resolveSibling("expected_greedy_prompt_once_upon_a_time_100.txt"), StandardCharsets.UTF_8);
        CliTest.Run r = CliTest.run("generate", "--model", bin.toString(), "--prompt", "Once upon a time", "-n", "96",
                "--temp", "0", "--kv-type", "f32");
        assertEquals(0, r.code(), r.err());
        assertEquals(want, r.out());
        CliTest.Run bad = CliTest.run("generate", "--model", bin.toString(), "--prompt", "Once", "--kv-type", "q8");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("'q8' is not a KV cache type (f16, f32)"), bad.err());
    }

    @Test
    void generateWithSeedIsRepeatable() {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        String[] args = {"generate", "--model", bin.toString(), "-n", "40", "--temp", "1.0", "--seed", "42",
            "--top-k", "20", "--top-p", "0.9", "--repeat-penalty", "1.1", "--no-echo"};
        CliTest.Run a = CliTest.run(args), b = CliTest.run(args);
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), b.out());
        assertTrue(a.out().length() > 20, a.out());
    }

    @Test
    void logitsWritesAnNpyMatchingTheEngine() {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        Path out = tmp.resolve("l.npy");
        CliTest.Run r = CliTest.run("logits", "--model", bin.toString(), "--tokens", "1,403,407,261,378", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.out());
        Npy.Array a = Npy.readFloats(out);
        assertArrayEquals(new long[]{5, 512}, a.shape());
        try (ModelFile f = ModelLoader.open(bin); Transformer t = new Transformer(f, 0, 1)) {
            int[] ids = {1, 403, 407, 261, 378};
            for (int i = 0; i < ids.length; i++) {
                float[] l = t.forward(new int[]{ids[i]}, i);
                for (int v = 0; v < 512; v++) assertEquals(l[v], a.data()[i * 512 + v], 1e-4f, "position " + i + " token " + v);
            }
        }
    }

    @Test
    void promptLongerThanTheContextIsOneLine() {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        CliTest.Run r = CliTest.run("generate", "--model", bin.toString(), "--prompt", "Once upon a time there was a cat",
                "--ctx", "4", "--temp", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("cortado: the prompt has "), r.err());
        assertTrue(r.err().contains("context holds 4"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void contextFullStopsWithAMessageOrShifts() {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        CliTest.Run r = CliTest.run("generate", "--model", bin.toString(), "--ctx", "20", "-n", "50", "--temp", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("context of 20 tokens is full"), r.err());
        CliTest.Run s = CliTest.run("generate", "--model", bin.toString(), "--ctx", "20", "-n", "50", "--temp", "0", "--context-shift");
        assertEquals(0, s.code(), s.err());
        assertFalse(s.err().contains("is full"), s.err());
        assertTrue(s.out().length() > r.out().length(), s.out());
    }

    @Test
    void unknownArchitectureFailsClearly() throws Exception {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        Path gguf = tmp.resolve("s.gguf"), odd = tmp.resolve("mamba.gguf");
        try (ModelFile f = ModelLoader.open(bin)) {
            ModelWriter.writeGguf(f, gguf, null, Progress.NONE);
        }
        try (GgufFile g = GgufFile.open(gguf)) {
            GgufMetadata md = new GgufMetadata(g.metadata());
            md.putString("general.architecture", "mamba");
            GgufWriter.write(odd, md, g.tensors());
        }
        CliTest.Run r = CliTest.run("generate", "--model", odd.toString(), "-n", "3");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("architecture 'mamba' is not supported (supported: llama, qwen2)"), r.err());
        CliTest.Run l = CliTest.run("logits", "--model", odd.toString(), "--tokens", "1,2", "--out", tmp.resolve("x.npy").toString());
        assertEquals(2, l.code());
        assertFalse(Files.exists(tmp.resolve("x.npy")));
    }

    @Test
    void badTokensAndSettingsAreOneLine() {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        CliTest.Run r = CliTest.run("logits", "--model", bin.toString(), "--tokens", "1,512", "--out", tmp.resolve("x.npy").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("token id 512 is outside the vocabulary (512)"), r.err());
        CliTest.Run s = CliTest.run("generate", "--model", bin.toString(), "--top-p", "0");
        assertEquals(2, s.code());
        assertTrue(s.err().startsWith("cortado: top-p"), s.err());
    }
}
