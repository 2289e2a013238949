package dev.cortado.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LrScheduleTest {
    @Test
    void warmsUpLinearlyThenDecaysByCosineTowardsTheFloor() {
        LrSchedule s = new LrSchedule(LrSchedule.Kind.COSINE, 1.0, 0.1, 4, 104);
        assertEquals(0.25, s.lr(0), 1e-12);
        assertEquals(0.5, s.lr(1), 1e-12);
        assertEquals(1.0, s.lr(3), 1e-12);
        assertEquals(1.0, s.lr(4), 1e-12);
        assertEquals(0.1 + 0.9 * 0.5, s.lr(54), 1e-12);  // halfway through the decay
        assertEquals(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 99 / 100)), s.lr(103), 1e-12);
        assertEquals(0.1, s.lr(104), 1e-12);
    }

    @Test
    void linearAndConstant() {
        LrSchedule l = new LrSchedule(LrSchedule.Kind.LINEAR, 2.0, 0.0, 0, 10);
        assertEquals(2.0, l.lr(0), 1e-12);
        assertEquals(1.0, l.lr(5), 1e-12);
        assertEquals(0.2, l.lr(9), 1e-12);
        LrSchedule c = new LrSchedule(LrSchedule.Kind.CONSTANT, 3e-4, 0, 2, 10);
        assertEquals(1.5e-4, c.lr(0), 1e-15);
        assertEquals(3e-4, c.lr(9), 1e-15);
    }

    @Test
    void warmupFractionAndEpochsResolveAgainstTheData() {
        TrainOptions o = new TrainOptions(0, 2, 1e-3, LrSchedule.Kind.COSINE, 0.1, 0, AdamW.Settings.DEFAULT, 1, 2, 0, 0, 2, 1);
        assertEquals(25, o.totalSteps(100, 4));  // 2 epochs × 100 sequences / (4 rows × 2 accum)
        assertEquals(3, o.scheduleFor(25).warmup());
    }
}
