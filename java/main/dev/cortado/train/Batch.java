package dev.cortado.train;

/**
 * One micro-batch: {@code rows} sequences of {@code seqLen} tokens, row-major. Row r predicts
 * {@code targets[r*seqLen + t]} from {@code inputs[r*seqLen .. r*seqLen + t]}; {@code mask} is 1 where
 * that prediction counts towards the loss (assistant tokens, real text) and 0 elsewhere (prompts,
 * padding). Every sequence starts at position 0.
 */
public record Batch(int rows, int seqLen, int[] inputs, int[] targets, float[] mask) {
    public Batch {
        long n = (long) rows * seqLen;
        if (rows < 1 || seqLen < 1 || inputs.length != n || targets.length != n || mask.length != n) {
            throw new IllegalArgumentException("batch arrays must hold rows × seqLen = " + n + " entries");
        }
    }

    /** Tokens whose prediction counts (mask > 0). */
    public long maskedTokens() {
        long c = 0;
        for (float m : mask) if (m > 0) c++;
        return c;
    }
}
