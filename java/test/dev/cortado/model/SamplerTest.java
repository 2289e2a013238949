package dev.cortado.model;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sampler semantics: greedy, top-k, top-p, min-p, repetition penalty (llama.cpp's), seeds. */
class SamplerTest {
    static final int[] NONE = new int[0];

    static Sampler sampler(float temp, int k, float p, float minP, float penalty, long seed) {
        return new Sampler(new Sampler.Settings(temp, k, p, minP, penalty, 64, seed));
    }

    /** Distinct tokens drawn in many tries. */
    static Set<Integer> support(Sampler s, float[] logits, int tries) {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < tries; i++) seen.add(s.sample(logits, NONE, 0));
        return seen;
    }

    // probabilities at temperature 1: 0.5, 0.25, 0.125, 0.0625, 0.0625
    static final float[] LOGITS = {(float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.125),
        (float) Math.log(0.0625), (float) Math.log(0.0625)};

    @Test
    void greedyIsArgmaxWithLowestIdOnTies() {
        assertEquals(2, sampler(0, 0, 1, 0, 1, 1).sample(new float[]{1, 2, 3, -1, 3}, NONE, 0));
    }

    @Test
    void topKKeepsTheKMostLikely() {
        assertEquals(Set.of(0, 1), support(sampler(1, 2, 1, 0, 1, 7), LOGITS, 2000));
        assertEquals(Set.of(0, 1, 2, 3, 4), support(sampler(1, 0, 1, 0, 1, 7), LOGITS, 4000));
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // cumulative 0.5, 0.75, 0.875: p = 0.7 needs two tokens, p = 0.8 three
        assertEquals(Set.of(0, 1), support(sampler(1, 0, 0.7f, 0, 1, 3), LOGITS, 2000));
        assertEquals(Set.of(0, 1, 2), support(sampler(1, 0, 0.8f, 0, 1, 3), LOGITS, 4000));
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTop() {
        // relative to p_max = 0.5: 0.25 → 0.5, 0.125 → 0.25, 0.0625 → 0.125
        assertEquals(Set.of(0, 1), support(sampler(1, 0, 1, 0.4f, 1, 5), LOGITS, 2000));
        assertEquals(Set.of(0, 1, 2), support(sampler(1, 0, 1, 0.2f, 1, 5), LOGITS, 4000));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        Sampler s = sampler(0, 0, 1, 0, 2f, 1);
        // token 0 (logit 3) penalised to 1.5 < 2 → token 1 wins; a repeated id counts once
        assertEquals(1, s.sample(new float[]{3, 2, -1}, new int[]{0, 0, 0}, 3));
        // negative logits grow more negative: -1 → -2 stays below -1.5
        assertEquals(0, s.sample(new float[]{-1.5f, -1, -3}, new int[]{1}, 1));
        // only the last repeatLastN tokens count
        Sampler last1 = new Sampler(new Sampler.Settings(0, 0, 1, 0, 2f, 1, 1));
        assertEquals(0, last1.sample(new float[]{3, 2, -1}, new int[]{0, 2}, 2));
    }

    @Test
    void drawsFollowTheRenormalisedDistribution() {
        // top-k 3 keeps 0.5/0.25/0.125; min-p 0.3 then drops 0.125 (< 0.15): tokens 0 and 1 at 2:1;
        // temperature 0.5 squares the ratio: 4:1
        Sampler s = sampler(1, 3, 1, 0.3f, 1, 11), cold = sampler(0.5f, 3, 1, 0.3f, 1, 12);
        int zeros = 0, coldZeros = 0, n = 20000;
        for (int i = 0; i < n; i++) {
            int a = s.sample(LOGITS, NONE, 0), b = cold.sample(LOGITS, NONE, 0);
            assertTrue(a <= 1 && b <= 1);
            zeros += a == 0 ? 1 : 0;
            coldZeros += b == 0 ? 1 : 0;
        }
        assertEquals(2.0 / 3, zeros / (double) n, 0.015);
        assertEquals(0.8, coldZeros / (double) n, 0.015);
    }

    /**
     * llama.cpp's chain written plainly (every token sorted, no pre-selection): the Sampler only skips
     * work that cannot change the outcome, so on a 50k vocabulary — flat and peaked logits, every mix of
     * top-k, top-p and min-p, with a repetition penalty — it must draw the same tokens from the same seed.
     */
    static int reference(Sampler.Settings st, java.util.SplittableRandom random, float[] logits, int[] history, int len) {
        int V = logits.length;
        float[] l = logits.clone();
        java.util.Set<Integer> seen = new HashSet<>();
        for (int i = Math.max(0, len - st.repeatLastN()); i < len; i++) {
            if (st.repeatPenalty() != 1f && seen.add(history[i])) {
                l[history[i]] = l[history[i]] > 0 ? l[history[i]] / st.repeatPenalty() : l[history[i]] * st.repeatPenalty();
            }
        }
        Integer[] ids = new Integer[V];
        for (int i = 0; i < V; i++) ids[i] = i;
        java.util.Arrays.sort(ids, (a, b) -> l[a] != l[b] ? Float.compare(l[b], l[a]) : Integer.compare(a, b));
        float max = l[ids[0]];
        int k = st.topK() > 0 ? Math.min(st.topK(), V) : V;
        double sum = 0;
        if (k == V) {
            for (int i = 0; i < V; i++) sum += Math.exp(l[i] - max);
        } else {
            for (int r = 0; r < k; r++) sum += Math.exp(l[ids[r]] - max);
        }
        float cutoff = st.minP() > 0f ? max + (float) Math.log(st.minP()) - 1e-6f : Float.NEGATIVE_INFINITY;
        int n = 0;
        while (n < k && l[ids[n]] >= cutoff) n++;
        if (st.topP() < 1f) {
            double cum = 0;
            for (int r = 0; r < n; r++) {
                cum += (float) Math.exp(l[ids[r]] - max) / sum;
                if (cum >= st.topP()) {
                    n = r + 1;
                    break;
                }
            }
        }
        double total = 0;
        float[] p = new float[n];
        for (int r = 0; r < n; r++) total += p[r] = (float) Math.exp((l[ids[r]] - max) * (1f / st.temperature()));
        double u = random.nextDouble() * total, cum = 0;
        for (int r = 0; r < n; r++) {
            cum += p[r];
            if (u < cum) return ids[r];
        }
        return ids[n - 1];
    }

    @Test
    void largeVocabularyDrawsEqualThePlainChain() {
        int V = 50_000;
        java.util.Random rnd = new java.util.Random(7);
        float[][] logits = new float[4][V];
        for (int i = 0; i < V; i++) {
            logits[0][i] = (float) rnd.nextGaussian();                            // flat: the nucleus is most of V
            logits[1][i] = (float) (4 * rnd.nextGaussian());                      // peaked
            logits[2][i] = (float) (12 * Math.pow(rnd.nextDouble(), 30) + rnd.nextGaussian());  // a few far ahead
            logits[3][i] = i % 1000 == 0 ? 5f : (float) Math.floor(2 * rnd.nextGaussian());     // ties
        }
        float[][] settings = {{0.8f, 40, 0.95f, 0.05f}, {0.8f, 0, 0.95f, 0.05f}, {1f, 0, 0.9f, 0f}, {0.7f, 40, 1f, 0f},
                {1.2f, 0, 1f, 0.1f}, {0.9f, 3000, 0.99f, 0f}, {1f, 0, 0.5f, 0.3f}};
        int[] hist = new int[64];
        for (int i = 0; i < hist.length; i++) hist[i] = (i * 7919) % V;
        for (float[] c : settings) {
            Sampler.Settings st = new Sampler.Settings(c[0], (int) c[1], c[2], c[3], 1.1f, 64, 42);
            for (float[] l : logits) {
                Sampler fast = new Sampler(st);
                java.util.SplittableRandom random = new java.util.SplittableRandom(42);
                for (int draw = 0; draw < 12; draw++) {
                    assertEquals(reference(st, random, l, hist, hist.length), fast.sample(l, hist, hist.length),
                            "draw " + draw + " with " + java.util.Arrays.toString(c));
                }
            }
        }
    }

    @Test
    void sameSeedSameDraws() {
        float[] l = new float[1000];
        for (int i = 0; i < l.length; i++) l[i] = (float) Math.sin(i * 0.37) * 3;
        Sampler a = sampler(0.9f, 50, 0.95f, 0.01f, 1.1f, 1234), b = sampler(0.9f, 50, 0.95f, 0.01f, 1.1f, 1234);
        Sampler c = sampler(0.9f, 50, 0.95f, 0.01f, 1.1f, 99);
        int[] hist = new int[200];
        boolean differs = false;
        for (int i = 0; i < 200; i++) {
            int x = a.sample(l, hist, i), y = b.sample(l, hist, i), z = c.sample(l, hist, i);
            assertEquals(x, y);
            differs |= x != z;
            hist[i] = x;
        }
        assertTrue(differs, "another seed should give another sequence");
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> sampler(-1, 0, 1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> sampler(1, -1, 1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> sampler(1, 0, 0, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> sampler(1, 0, 1, 2, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> sampler(1, 0, 1, 0, 0, 0));
    }
}
