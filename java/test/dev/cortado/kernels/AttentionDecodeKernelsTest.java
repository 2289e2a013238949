package dev.cortado.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention for one new token (decoding) with head widths that are multiples of 8, the shapes the
 * AVX2 decode path takes (scores four keys at a time, V summed in registers 64 columns at a time),
 * against the double-precision reference of {@link TransformerKernelsTest}: key counts with and
 * without a tail of fewer than four, widths of one to four 64-column chunks and a partial one
 * (8, 64, 128, 200), grouped-query heads, and the log-sum-exp output.
 */
class AttentionDecodeKernelsTest {
    private final Random rnd = new Random(11);

    @AfterEach
    void restoreIsa() {
        Kernels.setIsa(Kernels.bestIsa());
    }

    @ParameterizedTest
    @ValueSource(strings = {"avx2", "generic"})
    void decodeMatchesReference(String isa) {
        TransformerKernelsTest.useIsa(isa);
        // pos, H, KVH, D (T = 1): n = pos + 1 keys
        for (int[] tc : new int[][]{{0, 1, 1, 8}, {2, 2, 1, 8}, {3, 4, 2, 64}, {130, 9, 3, 64}, {577, 9, 3, 64},
                {64, 8, 2, 128}, {70, 2, 1, 200}}) {
            int pos = tc[0], H = tc[1], KVH = tc[2], D = tc[3], ctx = pos + 4;
            float[] q = gauss(H * D), k = gauss(ctx * KVH * D), v = gauss(ctx * KVH * D);
            try (FloatPointer out = new FloatPointer((long) H * D); FloatPointer lse = new FloatPointer(H);
                 FloatPointer qp = new FloatPointer(q); FloatPointer kp = new FloatPointer(k); FloatPointer vp = new FloatPointer(v)) {
                Kernels.attention(out, lse, qp, kp, vp, 1, pos, H, KVH, D);
                String what = isa + " attention decode pos=" + pos + " H=" + H + " KVH=" + KVH + " D=" + D;
                TransformerKernelsTest.close(what, TransformerKernelsTest.attentionRef(q, k, v, 1, pos, H, KVH, D),
                        TransformerKernelsTest.read(out, H * D));
                float[] l = TransformerKernelsTest.read(lse, H);
                for (int h = 0; h < H; h++) {
                    double ref = lseRef(q, k, pos, h, H, KVH, D);
                    assertTrue(Math.abs(l[h] - ref) <= 1e-4 * Math.max(1, Math.abs(ref)), what + " lse " + l[h] + " vs " + ref);
                }
            }
        }
    }

    private static double lseRef(float[] q, float[] k, int pos, int h, int H, int KVH, int D) {
        int g = h / (H / KVH);
        double m = Double.NEGATIVE_INFINITY;
        double[] s = new double[pos + 1];
        for (int j = 0; j <= pos; j++) {
            double d = 0;
            for (int i = 0; i < D; i++) d += (double) q[h * D + i] * k[(j * KVH + g) * D + i];
            s[j] = d / Math.sqrt(D);
            m = Math.max(m, s[j]);
        }
        double l = 0;
        for (double x : s) l += Math.exp(x - m);
        return m + Math.log(l);
    }

    private float[] gauss(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
