package dev.cortado.train;

import dev.cortado.CortadoException;

/**
 * How {@link FinetuneData} turns a data file into training sequences: {@code seqLen} targets per
 * sequence, the fraction of examples held out for evaluation ({@code evalSplit}, 0 = none), the
 * seed of the shuffle that picks them, and whether malformed lines are skipped ({@code skipBad})
 * rather than stopping the load.
 */
public record DataOptions(int seqLen, double evalSplit, long seed, boolean skipBad) {
    public DataOptions {
        if (seqLen < 1) throw new CortadoException("sequence length " + seqLen + " must be at least 1");
        if (!(evalSplit >= 0 && evalSplit < 1)) throw new CortadoException("eval split " + evalSplit + " must be in [0, 1)");
    }
}
