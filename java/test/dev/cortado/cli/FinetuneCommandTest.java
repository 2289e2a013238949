package dev.cortado.cli;

import dev.cortado.TestFiles;
import dev.cortado.train.Checkpoint;
import dev.cortado.train.TrainLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cortado finetune} in process on tinystories-656k: outputs, resume, and one-line errors. */
class FinetuneCommandTest {
    @TempDir
    Path tmp;

    private Path model() {
        return TestFiles.sharedFile("models/tinystories-656k/model.safetensors").getParent();
    }

    private Path data(int n) throws IOException {
        StringBuilder sb = new StringBuilder();
        String[] names = {"Tom", "Lily", "Sam", "Mia", "Ben"};
        for (int i = 0; i < n; i++) {
            sb.append("{\"prompt\": \"").append(names[i % 5]).append(" has a\", \"completion\": \" ")
                    .append(i % 2 == 0 ? "red ball." : "big dog.").append("\"}\n");
        }
        Path p = tmp.resolve("data.jsonl");
        Files.writeString(p, sb);
        return p;
    }

    private static void assertOneLineError(CliTest.Run r, String part) {
        assertEquals(2, r.code(), r.err());
        String line = r.err().lines().filter(l -> l.startsWith("cortado: ")).findFirst().orElse("");
        assertTrue(line.contains(part), r.err());
    }

    @Test
    void trainsWritesTheAdapterLogChartAndCheckpointsThenResumesLonger() throws IOException {
        Path out = tmp.resolve("run");
        String[] common = {"finetune", "--model", model().toString(), "--data", data(40).toString(), "--out", out.toString(),
            "--batch", "2", "--seq-len", "16", "--rank", "4", "--threads", "2", "--eval-split", "0.1", "--lr", "1e-3"};
        CliTest.Run r = CliTest.run(concat(common, "--steps", "4", "--save-every", "2"));
        assertEquals(0, r.code(), r.err());
        for (String f : new String[]{"adapter_config.json", "adapter_model.safetensors", "adapter.gguf", TrainLog.FILE, "loss.svg",
            "checkpoints/latest", "checkpoints/checkpoint-4"}) {
            assertTrue(Files.exists(out.resolve(f)), f + "\n" + r.err());
        }
        assertEquals(4, TrainLog.read(out.resolve(TrainLog.FILE)).size());

        CliTest.Run again = CliTest.run(concat(common, "--steps", "4"));
        assertOneLineError(again, "--resume");

        CliTest.Run more = CliTest.run(concat(common, "--steps", "6", "--resume", out.toString()));
        assertEquals(0, more.code(), more.err());
        assertTrue(more.err().contains("resumed from"), more.err());
        assertEquals(6, TrainLog.read(out.resolve(TrainLog.FILE)).size());
        Checkpoint.verify(out.resolve("checkpoints/checkpoint-6"));

        CliTest.Run other = CliTest.run(concat(common, "--steps", "8", "--resume", out.toString(), "--seed", "7"));
        assertOneLineError(other, "--seed 7");
    }

    @Test
    void badInputStopsWithOneLine() throws IOException {
        Path empty = tmp.resolve("empty.jsonl");
        Files.writeString(empty, "");
        String m = model().toString(), o = tmp.resolve("o").toString();
        assertOneLineError(CliTest.run("finetune", "--model", m, "--data", empty.toString(), "--out", o), "empty");
        Path good = data(10);
        assertOneLineError(CliTest.run("finetune", "--model", m, "--data", good.toString(), "--out", o, "--rank", "100000", "--seq-len", "16"),
                "rank");
        Path chat = tmp.resolve("chat.jsonl");
        Files.writeString(chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"hello\"}]}\n");
        assertOneLineError(CliTest.run("finetune", "--model", m, "--data", chat.toString(), "--out", o, "--seq-len", "16"), "template");
        assertOneLineError(CliTest.run("finetune", "--model", m, "--data", good.toString(), "--out", o, "--targets", "q,zz"), "zz");
        assertOneLineError(CliTest.run("finetune", "--model", m, "--data", good.toString(), "--out", o, "--steps", "3", "--epochs", "1"),
                "not both");
        assertOneLineError(CliTest.run("finetune", "--model", m, "--data", good.toString(), "--out", o, "--resume", tmp.resolve("nope").toString(),
                "--seq-len", "16"), "nope");
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
