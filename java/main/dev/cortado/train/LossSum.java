package dev.cortado.train;

/** A summed loss over {@code tokens} counted predictions; {@link #mean()} is what logs show. */
public record LossSum(double sum, long tokens) {
    public static final LossSum ZERO = new LossSum(0, 0);

    public LossSum plus(LossSum o) {
        return new LossSum(sum + o.sum, tokens + o.tokens);
    }

    public double mean() {
        return tokens == 0 ? Double.NaN : sum / tokens;
    }
}
