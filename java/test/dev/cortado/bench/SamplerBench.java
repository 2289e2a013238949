package dev.cortado.bench;

import dev.cortado.model.Sampler;

import java.util.Random;

/**
 * Time per token of {@link Sampler#sample} on a vocabulary of V random logits (normal, times SCALE:
 * 1 is flat, 4 peaked), for the CLI's default chain and for top-k, top-p and min-p alone.
 *
 * <p>Usage: SamplerBench V SCALE (java -cp target/test-classes:target/classes dev.cortado.bench.SamplerBench 49152 4)
 */
public final class SamplerBench {
    public static void main(String[] a) {
        int V = Integer.parseInt(a[0]);
        float scale = Float.parseFloat(a[1]);
        Random r = new Random(3);
        float[][] logits = new float[64][V];
        for (float[] l : logits) for (int i = 0; i < V; i++) l[i] = (float) (scale * r.nextGaussian());
        Sampler.Settings[] settings = {
            new Sampler.Settings(0.8f, 40, 0.95f, 0.05f, 1f, 64, 1),  // the CLI's defaults
            new Sampler.Settings(0.8f, 0, 0.95f, 0.05f, 1f, 64, 1),   // --top-k 0
            new Sampler.Settings(0.8f, 0, 0.95f, 0f, 1f, 64, 1),      // --top-k 0 --min-p 0: top-p alone
            new Sampler.Settings(0.8f, 40, 1f, 0f, 1.1f, 64, 1),      // top-k alone, with a repetition penalty
        };
        int[] history = new int[100];
        for (int i = 0; i < history.length; i++) history[i] = (i * 97) % V;
        for (Sampler.Settings s : settings) {
            Sampler sampler = new Sampler(s);
            long best = Long.MAX_VALUE;
            int check = 0;
            for (int rep = 0; rep < 20; rep++) {
                long t0 = System.nanoTime();
                for (float[] l : logits) check += sampler.sample(l, history, history.length);
                best = Math.min(best, System.nanoTime() - t0);
            }
            System.out.printf("top-k %d, top-p %.2f, min-p %.2f: %.3f ms per token (draws checksum %d)%n", s.topK(), s.topP(),
                    s.minP(), best / 64 / 1e6, check);
        }
    }
}
