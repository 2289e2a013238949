package dev.cortado.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cortado pretrain} end to end on a tiny model and a small text: learning, loading, resume, bad flags. */
class PretrainCommandTest {
    @TempDir
    Path tmp;
    Path text, tokenizer;

    /** A small repetitive text (easy to learn) and a tokenizer trained on it with ChatML's specials. */
    @BeforeEach
    void setUp() throws Exception {
        StringBuilder sb = new StringBuilder();
        String[] lines = {"In the beginning God created the heaven and the earth.",
            "And the earth was without form, and void.", "And God said, Let there be light: and there was light.",
            "And God saw the light, that it was good."};
        for (int i = 0; i < 60; i++) sb.append(lines[i % lines.length]).append('\n');
        text = tmp.resolve("text.txt");
        Files.writeString(text, sb, StandardCharsets.UTF_8);
        CliTest.Run r = CliTest.run("tokenizer", "train", "--input", text.toString(), "--vocab-size", "300",
                "--out", tmp.resolve("tok").toString(), "--special-tokens", "<|endoftext|>,<|im_start|>,<|im_end|>");
        assertEquals(0, r.code(), r.err());
        tokenizer = tmp.resolve("tok/tokenizer.json");
    }

    String[] args(Path out, int steps, String... more) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--tokenizer", tokenizer.toString(), "--data", text.toString(),
                "--out", out.toString(), "--dim", "32", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--ffn", "64",
                "--ctx", "32", "--batch", "4", "--steps", Integer.toString(steps), "--lr", "3e-3", "--warmup", "2",
                "--eval-split", "0.1", "--threads", "2", "--seed", "3"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    static List<JsonNode> log(Path runDir) throws Exception {
        ObjectMapper m = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("train_log.jsonl"))) out.add(m.readTree(line));
        return out;
    }

    @Test
    void aTinyModelLearnsAndItsGgufLoadsInGenerate() throws Exception {
        Path out = tmp.resolve("m.gguf");
        CliTest.Run r = CliTest.run(args(out, 40));
        assertEquals(0, r.code(), r.err());
        List<JsonNode> log = log(tmp.resolve("m.run"));
        assertEquals(40, log.size());
        double first = log.get(0).get("loss").asDouble(), last = log.get(39).get("loss").asDouble();
        assertTrue(first > Math.log(300) - 1, "an untrained model is near uniform: " + first);
        assertTrue(last < first * 0.6, "loss " + first + " -> " + last);
        assertTrue(Files.exists(tmp.resolve("m.run/loss.svg")));
        try (ModelFile f = ModelLoader.open(out)) {
            f.validate();
            assertEquals(32, f.config().dim());
            assertEquals(2, f.config().nKvHeads());
            assertEquals(300, f.config().vocabSize());
            assertTrue(f.chatTemplate().contains("<|im_start|>"));
            assertEquals(f.tokenizer().tokens().indexOf("<|im_end|>"), f.tokenizer().eosId());
        }
        CliTest.Run g = CliTest.run("generate", "--model", out.toString(), "--prompt", "In the beginning", "-n", "12",
                "--temp", "0", "--threads", "2");
        assertEquals(0, g.code(), g.err());
        assertTrue(g.out().startsWith("In the beginning"), g.out());
        assertTrue(g.out().length() > "In the beginning".length() + 5, g.out());
    }

    @Test
    void aResumedRunComputesTheSameNumbersAndWeights() throws Exception {
        Path full = tmp.resolve("full.gguf"), part = tmp.resolve("part.gguf");
        CliTest.Run a = CliTest.run(args(full, 12, "--save-every", "6"));
        assertEquals(0, a.code(), a.err());
        // another run picks up the first one's checkpoint at step 6 and trains on to step 12
        Path ckpt = tmp.resolve("full.run/checkpoints/checkpoint-6");
        assertTrue(Files.isDirectory(ckpt));
        CliTest.Run b = CliTest.run(args(part, 12, "--resume", ckpt.toString()));
        assertEquals(0, b.code(), b.err());
        assertTrue(b.err().contains("resumed from"), b.err());
        List<JsonNode> x = log(tmp.resolve("full.run")), y = log(tmp.resolve("part.run"));
        assertEquals(12, y.size());
        for (int i = 0; i < 12; i++) assertEquals(x.get(i).get("loss").asDouble(), y.get(i).get("loss").asDouble(), 0.0, "step " + (i + 1));
        try (ModelFile f = ModelLoader.open(full); ModelFile g = ModelLoader.open(part)) {
            for (String name : f.tensors().keySet()) {
                assertArrayEquals(f.require(name).toFloats(), g.require(name).toFloats(), name);
            }
        }
        // a resume that would compute other numbers is refused in one line
        CliTest.Run c = CliTest.run(args(tmp.resolve("other.gguf"), 12, "--resume", ckpt.toString(), "--lr", "1e-3"));
        assertEquals(2, c.code());
        assertTrue(c.err().contains("--lr"), c.err());
    }

    @Test
    void badShapesAreOneLineErrors() {
        String[][] bad = {
            {"--heads", "5"},               // 32 % 5
            {"--kv-heads", "3"},            // 4 % 3
            {"--dim", "0"},
            {"--seq-len", "64"},            // over --ctx 32
        };
        String[] want = {"--heads 5 does not divide --dim 32", "--kv-heads 3 does not divide --heads 4", "--dim must be >= 1",
            "--seq-len 64 is over the context length 32"};
        for (int i = 0; i < bad.length; i++) {
            List<String> a = new ArrayList<>(List.of(args(tmp.resolve("x.gguf"), 2)));
            for (int k = 0; k < bad[i].length; k += 2) {
                int at = a.indexOf(bad[i][k]);
                if (at >= 0) a.set(at + 1, bad[i][k + 1]);
                else a.addAll(List.of(bad[i][k], bad[i][k + 1]));
            }
            CliTest.Run r = CliTest.run(a.toArray(new String[0]));
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(want[i]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(tmp.resolve("x.gguf")));
        }
        CliTest.Run r = CliTest.run(args(tmp.resolve("x.bin"), 2));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("ending in .gguf"), r.err());
    }

    @Test
    void aVocabularyWithoutChatMlSpecialsGetsThemAppended() throws Exception {
        assertEquals(0, CliTest.run("tokenizer", "train", "--input", text.toString(), "--vocab-size", "290",
                "--out", tmp.resolve("plain").toString()).code());
        Path out = tmp.resolve("t.gguf");
        List<String> a = new ArrayList<>(List.of(args(out, 2)));
        a.set(a.indexOf("--tokenizer") + 1, tmp.resolve("plain/tokenizer.json").toString());
        CliTest.Run r = CliTest.run(a.toArray(new String[0]));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("appended 3"), r.err());
        try (ModelFile f = ModelLoader.open(out)) {
            assertEquals(293, f.config().vocabSize());
            assertEquals(292, f.tokenizer().eosId());
            assertEquals(292, f.tokenizer().eotId());
        }
    }
}
