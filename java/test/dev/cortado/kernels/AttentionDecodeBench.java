package dev.cortado.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.ShortPointer;

import java.util.Arrays;
import java.util.Random;

/**
 * One decoded token's attention over a whole model's f16 KV cache (tools/bench/attention-decode.sh):
 * {@code L} layers of the SmolLM2-135M shape (9 query heads, 3 KV heads of 64) at position {@code pos},
 * the caches read from memory as a decode step reads them (40 MB are read between tokens to push them out
 * of the caches; "hot" skips that). Prints the median and 10th-percentile time per token.
 *
 * <p>Usage: AttentionDecodeBench POS THREADS ITERATIONS [hot]
 */
public final class AttentionDecodeBench {
    public static void main(String[] a) {
        int L = 30, H = 9, KVH = 3, D = 64, pos = Integer.parseInt(a[0]), ctx = pos + 64;
        Kernels.setThreads(Integer.parseInt(a[1]));
        int iterations = Integer.parseInt(a[2]);
        boolean hot = a.length > 3 && a[3].equals("hot");
        Random r = new Random(1);
        ShortPointer[] kc = new ShortPointer[L], vc = new ShortPointer[L];
        short[] s = new short[KVH * ctx * D];
        for (int l = 0; l < L; l++) {
            kc[l] = new ShortPointer((long) s.length);
            vc[l] = new ShortPointer((long) s.length);
            for (ShortPointer p : new ShortPointer[]{kc[l], vc[l]}) {
                for (int i = 0; i < s.length; i++) s[i] = (short) (0x3000 + r.nextInt(0x0c00) + (r.nextBoolean() ? 0x8000 : 0));
                p.put(s);
            }
        }
        float[] qa = new float[H * D];
        for (int i = 0; i < qa.length; i++) qa[i] = (float) r.nextGaussian();
        long[] t = new long[iterations];
        try (FloatPointer q = new FloatPointer(qa); FloatPointer out = new FloatPointer((long) H * D);
             FloatPointer other = new FloatPointer(10_000_000)) {
            Kernels.zero(other, 10_000_000);
            for (int it = 0; it < t.length; it++) {
                if (!hot) CpuKernels.sum_squares_f32(other, 10_000_000, Kernels.threads());
                long t0 = System.nanoTime();
                for (int l = 0; l < L; l++) Kernels.attentionF16Kv(out, q, kc[l], vc[l], 1, pos, H, KVH, D, ctx);
                t[it] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(t);
        System.out.printf("attention, %d layers at position %d, %d threads%s: median %.3f ms per token, p10 %.3f ms%n", L, pos,
                Kernels.threads(), hot ? " (hot)" : "", t[t.length / 2] / 1e6, t[t.length / 10] / 1e6);
    }
}
