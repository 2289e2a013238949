package dev.cortado.train;

import dev.cortado.CortadoException;

import java.util.List;

/**
 * Packs whole examples, in order, into sequences of {@code seqLen + 1} tokens: an example goes into
 * the current sequence when it fits and starts a new one when it does not (it is never split; the
 * caller truncates longer ones). The rest of a sequence is padding with mask 0, and the target that
 * crosses from one example into the next (predicting its first token) has mask 0 too, so examples
 * sharing a sequence only ever leak context forward, never loss.
 */
final class Packer {
    private Packer() {}

    static PackedData pack(List<Example> examples, int seqLen, int padId) {
        int width = seqLen + 1;
        long sequences = 0;
        int used = width;  // forces a new sequence for the first example
        for (Example e : examples) {
            if (e.length() > width) throw new IllegalArgumentException("example longer than a sequence");
            if (used + e.length() > width) {
                sequences++;
                used = 0;
            }
            used += e.length();
        }
        if (sequences * width > Integer.MAX_VALUE - 16) {
            throw new CortadoException("the data packs into " + sequences + " sequences of " + width
                    + " tokens, more than one array holds (2^31 tokens): use a smaller data file");
        }
        int[] tokens = new int[(int) (sequences * width)];
        float[] mask = new float[(int) (sequences * seqLen)];
        java.util.Arrays.fill(tokens, padId);
        long seq = -1;
        used = width;
        for (Example e : examples) {
            if (used + e.length() > width) {
                seq++;
                used = 0;
            }
            int base = (int) (seq * width) + used;
            System.arraycopy(e.tokens(), 0, tokens, base, e.length());
            // the target at sequence position p is token p + 1, so its mask entry is p
            int maskBase = (int) (seq * seqLen) + used - 1;
            for (int j = 1; j < e.length(); j++) if (e.loss()[j]) mask[maskBase + j] = 1f;
            used += e.length();
        }
        return new PackedData(seqLen, tokens, mask);
    }
}
