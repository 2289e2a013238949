package dev.cortado.train;

import java.util.Arrays;

/**
 * Training examples tokenized and packed into fixed-length sequences. Each sequence holds
 * {@code seqLen + 1} tokens, so its inputs are tokens [0, seqLen) and its targets tokens [1, seqLen];
 * {@code mask} holds one weight per target (1 = counts towards the loss, 0 = prompt or padding).
 */
public final class PackedData {
    private final int seqLen;
    private final int[] tokens;  // (size, seqLen + 1)
    private final float[] mask;  // (size, seqLen)

    public PackedData(int seqLen, int[] tokens, float[] mask) {
        if (seqLen < 1) throw new IllegalArgumentException("seqLen " + seqLen);
        if (tokens.length % (seqLen + 1) != 0) throw new IllegalArgumentException("tokens are not whole sequences");
        int size = tokens.length / (seqLen + 1);
        if (mask.length != (long) size * seqLen) throw new IllegalArgumentException("mask needs size × seqLen entries");
        this.seqLen = seqLen;
        this.tokens = tokens;
        this.mask = mask;
    }

    public int seqLen() {
        return seqLen;
    }

    /** Number of sequences. */
    public int size() {
        return tokens.length / (seqLen + 1);
    }

    /** Copies sequence {@code i} into row {@code row} of a batch's arrays. */
    public void copyTo(int i, int[] inputs, int[] targets, float[] maskOut, int row) {
        int src = i * (seqLen + 1), dst = row * seqLen;
        System.arraycopy(tokens, src, inputs, dst, seqLen);
        System.arraycopy(tokens, src + 1, targets, dst, seqLen);
        System.arraycopy(mask, i * seqLen, maskOut, dst, seqLen);
    }

    /** The batch of the sequences {@code order[from .. from + rows)}. */
    public Batch batch(int[] order, int from, int rows) {
        int[] in = new int[rows * seqLen], tg = new int[rows * seqLen];
        float[] m = new float[rows * seqLen];
        for (int r = 0; r < rows; r++) copyTo(order[from + r], in, tg, m, r);
        return new Batch(rows, seqLen, in, tg, m);
    }

    /** Targets that count towards the loss. */
    public long maskedTokens() {
        long c = 0;
        for (float m : mask) if (m > 0) c++;
        return c;
    }

    /** The sequences {@code [from, to)} as their own data set (train / eval split). */
    public PackedData slice(int from, int to) {
        return new PackedData(seqLen, Arrays.copyOfRange(tokens, from * (seqLen + 1), to * (seqLen + 1)),
                Arrays.copyOfRange(mask, from * seqLen, to * seqLen));
    }
}
