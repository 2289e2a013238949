package dev.cortado.model;

import dev.cortado.kernels.Kernels;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * In-process A/B of one decoded token as one native call ({@link DecodeStep}) against the kernel-by-kernel
 * path, on one loaded model (tools/bench/decode-step-ab.sh): a P-token prompt, then R rounds of G steps at
 * positions P .. P+G-1 in each mode, the modes alternating round by round so that both see the same machine.
 * Prints each mode's median and first-quartile step time.
 *
 * <p>Usage: DecodeStepAB MODEL THREADS P G R
 */
public final class DecodeStepAB {
    public static void main(String[] a) throws Exception {
        Kernels.setThreads(Integer.parseInt(a[1]));
        int P = Integer.parseInt(a[2]), G = Integer.parseInt(a[3]), R = Integer.parseInt(a[4]);
        try (ModelFile f = ModelLoader.open(Path.of(a[0])); Transformer t = new Transformer(f, P + G, 128)) {
            int[] prompt = new int[P];
            for (int i = 0; i < P; i++) prompt[i] = 100 + (i * 7919) % Math.min(t.vocabSize() - 100, 30000);
            t.forward(prompt, 0);
            long[][] times = new long[2][R * G];
            for (int r = 0; r < R; r++) {
                for (int mode = 0; mode < 2; mode++) {
                    t.useDecodeStep(mode == 0);
                    int next = 5;
                    for (int i = 0; i < G; i++) {
                        long s = System.nanoTime();
                        t.forward(new int[]{next}, P + i);
                        times[mode][r * G + i] = System.nanoTime() - s;
                        next = 100 + (i * 31) % 1000;
                    }
                }
            }
            t.useDecodeStep(true);
            System.out.println("decodes in one call: " + t.decodesInOneCall());
            for (int mode = 0; mode < 2; mode++) {
                long[] x = times[mode].clone();
                Arrays.sort(x);
                System.out.printf("%-10s median %.3f ms (%.1f tok/s), first quartile %.3f ms%n", mode == 0 ? "one call" : "per kernel",
                        x[x.length / 2] / 1e6, 1e9 / x[x.length / 2], x[x.length / 4] / 1e6);
            }
        }
    }
}
