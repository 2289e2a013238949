package dev.cortado.cli;

import dev.cortado.TestFiles;
import dev.cortado.kernels.Kernels;
import dev.cortado.lora.LoraAdapter;
import dev.cortado.lora.LoraFiles;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.Transformer;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import dev.cortado.train.Checkpoint;
import dev.cortado.train.LogEntry;
import dev.cortado.train.PromptCompletion;
import dev.cortado.train.TaskAccuracy;
import dev.cortado.train.TrainLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fine-tuning end to end on tinystories-656k and the generated task in testdata/finetune-task: the
 * held-out greedy accuracy goes from near 0 to at least 90% with LoRA, QLoRA lands within 5 points,
 * the eval loss falls, and the adapter loads and merges. Then Ctrl-C and kill -9 on the launcher.
 */
class FinetuneIT {
    static final int MAX_NEW = 8;
    static final String[] TRAIN_ARGS = {"--steps", "300", "--lr", "3e-3", "--batch", "8", "--seq-len", "48", "--rank", "8",
        "--alpha", "16", "--warmup", "10", "--eval-split", "0.05", "--threads", "2", "--seed", "1"};

    @TempDir
    Path tmp;

    private static Path model() {
        return TestFiles.sharedFile("models/tinystories-656k/model.safetensors").getParent();
    }

    private static Path task(String name) {
        return TestFiles.testdata().resolve("finetune-task").resolve(name);
    }

    private static double accuracy(Path adapter) {
        List<PromptCompletion> eval = TaskAccuracy.read(task("eval.jsonl"));
        Kernels.setThreads(1);  // greedy decoding of 100 short answers: one thread is plenty, and never spins
        try (ModelFile f = ModelLoader.open(model()); Transformer t = new Transformer(f, 0, 32)) {
            if (adapter != null) t.addAdapter(LoraFiles.open(adapter, f.config()), 1f);
            Tokenizer tok = Tokenizers.of(f.tokenizer());
            return TaskAccuracy.greedyAccuracy(t, tok, eval, MAX_NEW);
        }
    }

    private record Trained(double accuracy, double firstEval, double lastEval, double seconds) {}

    /** Trains through the launcher, as a user runs it (its OMP_WAIT_POLICY=passive keeps 2 busy cores usable). */
    private Trained train(Path out, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("finetune", "--model", model().toString(), "--data", task("train.jsonl").toString(),
                "--out", out.toString()));
        args.addAll(List.of(TRAIN_ARGS));
        args.addAll(List.of(extra));
        long t0 = System.nanoTime();
        LauncherIT.Result r = LauncherIT.cortado(args.toArray(String[]::new));
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.code(), r.err());
        System.out.println(r.err());
        List<LogEntry> log = TrainLog.read(out.resolve(TrainLog.FILE));
        double first = log.stream().filter(LogEntry::hasEval).findFirst().orElseThrow().evalLoss();
        double last = log.get(log.size() - 1).evalLoss();
        return new Trained(accuracy(out), first, last, secs);
    }

    @Test
    void loraAndQloraLearnTheTaskAndTheAdapterMerges() throws Exception {
        double before = accuracy(null);
        Trained lora = train(tmp.resolve("lora"));
        Trained qlora = train(tmp.resolve("qlora"), "--qlora");
        System.out.printf(Locale.ROOT, "FinetuneIT: accuracy before %.3f; LoRA %.3f (eval loss %.4f -> %.4f, %.1f s); "
                        + "QLoRA %.3f (eval loss %.4f -> %.4f, %.1f s)%n", before, lora.accuracy, lora.firstEval, lora.lastEval, lora.seconds,
                qlora.accuracy, qlora.firstEval, qlora.lastEval, qlora.seconds);
        assertTrue(before <= 0.1, "before " + before);
        assertTrue(lora.accuracy >= 0.9, "LoRA accuracy " + lora.accuracy);
        assertTrue(Math.abs(lora.accuracy - qlora.accuracy) <= 0.05 + 1e-9, "QLoRA " + qlora.accuracy + " vs LoRA " + lora.accuracy);
        assertTrue(lora.lastEval < lora.firstEval, "eval loss " + lora.firstEval + " -> " + lora.lastEval);
        assertTrue(qlora.lastEval < qlora.firstEval, "eval loss " + qlora.firstEval + " -> " + qlora.lastEval);

        try (ModelFile f = ModelLoader.open(model())) {
            LoraAdapter peft = LoraFiles.open(tmp.resolve("lora"), f.config());
            LoraAdapter gguf = LoraFiles.open(tmp.resolve("lora/adapter.gguf"), f.config());
            assertEquals(peft.tensors().keySet(), gguf.tensors().keySet());
            assertEquals(8, peft.rank());
        }
        assertTrue(accuracy(tmp.resolve("lora/adapter.gguf")) >= 0.9);
        Path merged = tmp.resolve("merged.gguf");
        CliTest.Run m = CliTest.run("lora", "merge", "--model", model().toString(), "--lora", tmp.resolve("lora").toString(),
                "--out", merged.toString());
        assertEquals(0, m.code(), m.err());
        assertTrue(Files.size(merged) > 0);
    }

    private static Process launch(Path out, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("cortado.home", ".")).resolve("tools/cortado").toString(),
                "finetune", "--model", model().toString(), "--data", task("train.jsonl").toString(), "--out", out.toString(),
                "--steps", "100000", "--batch", "2", "--seq-len", "32", "--threads", "1", "--save-every", "3"));
        cmd.addAll(List.of(extra));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.resolveSibling(out.getFileName() + ".log").toFile()).start();
    }

    private static void awaitSteps(Path out, int steps, Process p) throws Exception {
        Path log = out.resolve(TrainLog.FILE);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.exists(log) && Files.readAllLines(log, StandardCharsets.UTF_8).size() >= steps) return;
            Thread.sleep(50);
        }
        throw new AssertionError("no " + steps + " steps logged: " + Files.readString(out.resolveSibling(out.getFileName() + ".log")));
    }

    @Test
    void ctrlCSavesAndExits130AndKillNineLeavesALoadableCheckpoint() throws Exception {
        Path out = tmp.resolve("stop");
        Process p = launch(out);
        awaitSteps(out, 4, p);
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String text = Files.readString(tmp.resolve("stop.log"));
        assertEquals(130, p.exitValue(), text);
        assertTrue(text.contains("checkpoint"), text);
        int logged = TrainLog.read(out.resolve(TrainLog.FILE)).size();
        Path ck = Checkpoint.resolve(out);
        assertEquals(logged, Checkpoint.load(ck).step(), "the checkpoint holds every logged step");

        Path killed = tmp.resolve("killed");
        Process q = launch(killed);
        awaitSteps(killed, 8, q);
        q.destroyForcibly();  // SIGKILL
        q.waitFor(30, TimeUnit.SECONDS);
        Checkpoint.State s = Checkpoint.load(Checkpoint.resolve(killed));
        assertTrue(s.step() >= 6, "step " + s.step());
    }
}
