package dev.cortado.train;

/**
 * The learning rate of each optimizer step: a linear warmup from {@code peak / warmup} to
 * {@code peak} over the first {@code warmup} steps, then a cosine or linear decay towards
 * {@code floor}, reached just after the last step as in Hugging Face's schedulers (or constant). Steps are counted from 0 (the first update uses
 * {@code lr(0)}).
 */
public record LrSchedule(Kind kind, double peak, double floor, int warmup, int total) {
    public enum Kind { COSINE, LINEAR, CONSTANT }

    public LrSchedule {
        if (!(peak > 0) || !Double.isFinite(peak)) throw new IllegalArgumentException("learning rate must be > 0");
        if (!(floor >= 0) || floor > peak) throw new IllegalArgumentException("the learning-rate floor must lie in [0, lr]");
        if (warmup < 0 || total < 1) throw new IllegalArgumentException("warmup must be >= 0 and steps >= 1");
    }

    public double lr(int step) {
        if (step < warmup) return peak * (step + 1) / warmup;
        if (kind == Kind.CONSTANT) return peak;
        int span = Math.max(1, total - warmup);
        double p = Math.min(1.0, (double) (step - warmup) / span);
        double f = kind == Kind.COSINE ? 0.5 * (1 + Math.cos(Math.PI * p)) : 1 - p;
        return floor + (peak - floor) * f;
    }
}
