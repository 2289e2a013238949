package dev.cortado.train;

/**
 * One tokenized training example: its tokens and, per token, whether predicting it counts towards
 * the loss ({@code loss[0]} never does: nothing in the example precedes it).
 */
record Example(int[] tokens, boolean[] loss) {
    Example {
        if (tokens.length != loss.length) throw new IllegalArgumentException("one loss flag per token");
    }

    /** An example whose predictions count from token {@code from} on (a prompt before it has none). */
    static Example lossFrom(int[] tokens, int from) {
        boolean[] loss = new boolean[tokens.length];
        for (int i = Math.max(1, from); i < tokens.length; i++) loss[i] = true;
        return new Example(tokens, loss);
    }

    int length() {
        return tokens.length;
    }

    /** Whether any prediction inside the example counts. */
    boolean trainable() {
        for (int i = 1; i < loss.length; i++) if (loss[i]) return true;
        return false;
    }
}
