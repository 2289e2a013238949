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
