package dev.cortado.train;

import dev.cortado.CortadoException;
import dev.cortado.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    static final int V = 16, SEQ = 12;
    static final PackedData TRAIN = BigramModel.data(V, 40, SEQ, 1), EVAL = BigramModel.data(V, 7, SEQ, 2);

    static TrainOptions options(int steps) {
        return new TrainOptions(steps, 0, 0.05, LrSchedule.Kind.COSINE, 2, 0.1, new AdamW.Settings(0.9f, 0.99f, 1e-8f, 0.01f),
                1.0, 2, 3, 0, 2, 42);
    }

    private static Trainer.Result train(Path out, TrainOptions o, int rows, Path resume, int stopAfter) {
        try (BigramModel m = new BigramModel(V, rows, SEQ, 9)) {
            return new Trainer(m, TRAIN, EVAL, o, out, Progress.NONE).stopAfter(stopAfter).run(resume);
        }
    }

    private static double[] column(List<LogEntry> log, int which) {
        return log.stream().mapToDouble(e -> switch (which) {
            case 0 -> e.loss();
            case 1 -> e.hasEval() ? e.evalLoss() : -1;
            case 2 -> e.lr();
            default -> e.gradNorm();
        }).toArray();
    }

    @Test
    void trainsAndTheEvalLossFalls(@TempDir Path dir) {
        Trainer.Result r = train(dir, options(30), 4, null, -1);
        assertEquals(30, r.step());
        assertFalse(r.stopped());
        assertTrue(r.lastEvalLoss() < r.firstEvalLoss() - 0.3, r.firstEvalLoss() + " -> " + r.lastEvalLoss());
        assertEquals(30, TrainLog.read(dir.resolve(TrainLog.FILE)).size());
        assertTrue(Files.exists(dir.resolve(LossChart.FILE)));
        assertEquals("checkpoint-30", dir.resolve("checkpoints").relativize(r.checkpoint()).toString());
    }

    @Test
    void aResumedRunComputesExactlyTheNumbersOfAnUninterruptedOne(@TempDir Path dir) throws Exception {
        Trainer.Result whole = train(dir.resolve("a"), options(10), 4, null, -1);
        Trainer.Result part = train(dir.resolve("b"), options(10), 4, null, 4);
        assertTrue(part.stopped());
        assertEquals(4, part.step());
        assertTrue(Files.isDirectory(dir.resolve("b/checkpoints/checkpoint-4")));
        Trainer.Result rest = train(dir.resolve("b"), options(10), 4, dir.resolve("b"), -1);
        assertEquals(10, rest.step());
        List<LogEntry> a = whole.log(), b = TrainLog.read(dir.resolve("b").resolve(TrainLog.FILE));
        assertEquals(10, b.size());
        for (int c = 0; c < 4; c++) assertArrayEquals(column(a, c), column(b, c), "column " + c);
        for (int i = 0; i < 10; i++) assertEquals(i + 1, b.get(i).step());
        assertTrue(b.get(9).elapsedSeconds() >= b.get(3).elapsedSeconds());
    }

    @Test
    void resumingWithOtherNumbersIsRefusedInOneLine(@TempDir Path dir) {
        train(dir, options(6), 4, null, 3);
        TrainOptions other = new TrainOptions(6, 0, 0.01, LrSchedule.Kind.COSINE, 2, 0.1, new AdamW.Settings(0.9f, 0.99f, 1e-8f, 0.01f),
                1.0, 2, 3, 0, 2, 42);
        CortadoException e = assertThrows(CortadoException.class, () -> train(dir, other, 4, dir, -1));
        assertTrue(e.getMessage().contains("--lr 0.01"), e.getMessage());
        CortadoException f = assertThrows(CortadoException.class, () -> train(dir, options(6), 4, null, -1));
        assertTrue(f.getMessage().contains("--resume"), f.getMessage());
    }

    @Test
    void aStopRequestFinishesTheStepSavesAndReportsStopped(@TempDir Path dir) {
        try (BigramModel m = new BigramModel(V, 4, SEQ, 9)) {
            Trainer[] t = new Trainer[1];
            Progress p = new Progress() {
                int steps;

                @Override
                public void start(String what, long total, String unit) {}

                @Override
                public void advance(long units) {
                    if (++steps == 3) t[0].requestStop();  // as the Ctrl-C handler does, mid-run
                }

                @Override
                public void finish() {}
            };
            t[0] = new Trainer(m, TRAIN, EVAL, options(20), dir, p);
            Trainer.Result r = t[0].run(null);
            assertTrue(r.stopped());
            assertEquals(3, r.step());
            assertTrue(r.checkpoint().endsWith("checkpoint-3"));
            assertEquals(3, TrainLog.read(dir.resolve(TrainLog.FILE)).size());
            Checkpoint.verify(r.checkpoint());
        }
    }

    @Test
    void accumulatingTwoHalfBatchesEqualsOneFullBatch(@TempDir Path dir) {
        try (BigramModel full = new BigramModel(V, 4, SEQ, 9); BigramModel half = new BigramModel(V, 2, SEQ, 9)) {
            int[] order = DataStream.order(TRAIN.size(), 5, 0);
            Batch all = TRAIN.batch(order, 0, 4), h1 = TRAIN.batch(order, 0, 2), h2 = TRAIN.batch(order, 2, 2);
            float scale = 1f / all.maskedTokens();
            AdamW.zeroGrads(full.parameters());
            AdamW.zeroGrads(half.parameters());
            LossSum a = full.forwardBackward(all, scale);
            LossSum b = half.forwardBackward(h1, scale).plus(half.forwardBackward(h2, scale));
            assertEquals(a.mean(), b.mean(), 1e-12);
            for (int k = 0; k < 2; k++) {
                Parameter p = full.parameters().get(k), q = half.parameters().get(k);
                for (long i = 0; i < p.size(); i++) assertEquals(p.grad().get(i), q.grad().get(i), 1e-7);
            }
        }
        // and through the loop: batch 4 × accum 1 follows the same path as batch 2 × accum 2
        Trainer.Result a = train(dir.resolve("a"), options(8).withAccum(1), 4, null, -1);
        Trainer.Result b = train(dir.resolve("b"), options(8).withAccum(2), 2, null, -1);
        for (int i = 0; i < 8; i++) assertEquals(a.log().get(i).loss(), b.log().get(i).loss(), 1e-5);
    }

    @Test
    void dataOrderDependsOnlyOnSeedAndEpoch() {
        assertArrayEquals(DataStream.order(50, 3, 2), DataStream.order(50, 3, 2));
        assertFalse(java.util.Arrays.equals(DataStream.order(50, 3, 2), DataStream.order(50, 3, 3)));
        DataStream s = new DataStream(TRAIN, 3, new DataStream.Position(0, 0));
        for (int i = 0; i < 11; i++) s.next(4);  // 44 sequences: into epoch 1
        assertEquals(new DataStream.Position(1, 4), s.position());
    }

    @Test
    void aDivergingLossStopsWithOneLine(@TempDir Path dir) {
        try (BigramModel m = new BigramModel(V, 4, SEQ, 9)) {
            TrainableModel nanAtStep3 = new TrainableModel() {
                int calls;

                public List<Parameter> parameters() { return m.parameters(); }
                public int batchRows() { return 4; }
                public int seqLen() { return SEQ; }
                public int vocabSize() { return V; }
                public LossSum loss(Batch b) { return m.loss(b); }
                public void close() {}

                public LossSum forwardBackward(Batch b, float scale) {
                    LossSum l = m.forwardBackward(b, scale);
                    return ++calls == 3 ? new LossSum(Double.NaN, l.tokens()) : l;
                }
            };
            Trainer t = new Trainer(nanAtStep3, TRAIN, EVAL, options(10).withAccum(1).withCadence(0, 2), dir, Progress.NONE);
            CortadoException e = assertThrows(CortadoException.class, () -> t.run(null));
            assertTrue(e.getMessage().contains("diverged at step 3") && e.getMessage().contains("checkpoint-2")
                    && !e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
