package dev.cortado.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.cortado.kernels.GradCheck.close;
import static dev.cortado.kernels.GradCheck.fd;
import static dev.cortado.kernels.GradCheck.forEachConfig;
import static dev.cortado.kernels.GradCheck.gauss;
import static dev.cortado.kernels.GradCheck.read;
import static dev.cortado.kernels.GradCheck.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Causal GQA attention backward (flash-attention-2 style, from the forward's out and lse), both
 * ISAs, 1 and 3 threads: dq, dk, dv against central finite differences of Σ G ∘ attention(q, k, v)
 * in double (T=5, H=6, KVH=2 and 3, D=10; normalised error ≤ 1e-4), against an analytic double
 * reference at sizes crossing the kernel's 16-query, 16-key and 64-key tiles (≤ 1e-5), and bit for
 * bit equal run to run and between 1 and 3 threads.
 */
class AttentionBackwardKernelsTest {
    final Random rnd = new Random(5);

    /** Causal attention at positions 0..T-1 in double: out (T, H, D). */
    static double[] attentionRef(double[] q, double[] k, double[] v, int T, int H, int KVH, int D) {
        double[] o = new double[T * H * D];
        double sc = 1 / Math.sqrt(D);
        int group = H / KVH;
        for (int t = 0; t < T; t++)
            for (int h = 0; h < H; h++) {
                int g = h / group;
                double[] p = probs(q, k, t, h, g, H, KVH, D, sc);
                for (int j = 0; j <= t; j++)
                    for (int i = 0; i < D; i++) o[(t * H + h) * D + i] += p[j] * v[(j * KVH + g) * D + i];
            }
        return o;
    }

    static double[] probs(double[] q, double[] k, int t, int h, int g, int H, int KVH, int D, double sc) {
        double[] s = new double[t + 1];
        double m = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j <= t; j++) {
            double x = 0;
            for (int i = 0; i < D; i++) x += q[(t * H + h) * D + i] * k[(j * KVH + g) * D + i];
            s[j] = x * sc;
            m = Math.max(m, s[j]);
        }
        for (int j = 0; j <= t; j++) sum += s[j] = Math.exp(s[j] - m);
        for (int j = 0; j <= t; j++) s[j] /= sum;
        return s;
    }

    /** {dq, dk, dv} analytically in double. */
    static double[][] backwardRef(double[] G, double[] q, double[] k, double[] v, int T, int H, int KVH, int D) {
        double[] dq = new double[q.length], dk = new double[k.length], dv = new double[v.length];
        double sc = 1 / Math.sqrt(D);
        int group = H / KVH;
        for (int t = 0; t < T; t++)
            for (int h = 0; h < H; h++) {
                int g = h / group, r = (t * H + h) * D;
                double[] p = probs(q, k, t, h, g, H, KVH, D, sc), dp = new double[t + 1];
                double drow = 0;
                for (int j = 0; j <= t; j++) {
                    for (int i = 0; i < D; i++) dp[j] += G[r + i] * v[(j * KVH + g) * D + i];
                    drow += p[j] * dp[j];
                }
                for (int j = 0; j <= t; j++) {
                    double ds = p[j] * (dp[j] - drow) * sc;
                    int c = (j * KVH + g) * D;
                    for (int i = 0; i < D; i++) {
                        dq[r + i] += ds * k[c + i];
                        dk[c + i] += ds * q[r + i];
                        dv[c + i] += p[j] * G[r + i];
                    }
                }
            }
        return new double[][]{dq, dk, dv};
    }

    /** {dq, dk, dv} from the kernel, out and lse from the float forward. */
    static float[][] backward(float[] G, float[] q, float[] k, float[] v, int T, int H, int KVH, int D) {
        FloatPointer qp = new FloatPointer(q), kp = new FloatPointer(k), vp = new FloatPointer(v);
        FloatPointer out = new FloatPointer((long) T * H * D), lse = new FloatPointer((long) T * H);
        Kernels.attention(out, lse, qp, kp, vp, T, 0, H, KVH, D);
        // garbage in the outputs: the kernel must overwrite them
        FloatPointer dq = new FloatPointer(G), dk = new FloatPointer(k), dv = new FloatPointer(v);
        Kernels.attentionBackward(dq, dk, dv, new FloatPointer(G), qp, kp, vp, out, lse, T, H, KVH, D);
        return new float[][]{read(dq, q.length), read(dk, k.length), read(dv, v.length)};
    }

    @Test
    void matchesFiniteDifferences() {
        forEachConfig((isa, th) -> {
            for (int KVH : new int[]{2, 3}) {
                int T = 5, H = 6, D = 10;
                float[] q = gauss(rnd, T * H * D), k = gauss(rnd, T * KVH * D), v = gauss(rnd, T * KVH * D), G = gauss(rnd, T * H * D);
                double[] qd = toDouble(q), kd = toDouble(k), vd = toDouble(v), Gd = toDouble(G);
                float[][] got = backward(G, q, k, v, T, H, KVH, D);
                String what = isa + "/" + th + " KVH=" + KVH;
                close("dq fd " + what, fd(qd.clone(), 1e-3, x -> GradCheck.dot(Gd, attentionRef(x, kd, vd, T, H, KVH, D))), got[0], 1e-4);
                close("dk fd " + what, fd(kd.clone(), 1e-3, x -> GradCheck.dot(Gd, attentionRef(qd, x, vd, T, H, KVH, D))), got[1], 1e-4);
                close("dv fd " + what, fd(vd.clone(), 1e-3, x -> GradCheck.dot(Gd, attentionRef(qd, kd, x, T, H, KVH, D))), got[2], 1e-4);
            }
        });
    }

    @Test
    void matchesTheAnalyticReference() {
        forEachConfig((isa, th) -> {
            // T, H, KVH, D: tiles of 16 queries, blocks of 32 keys (of T / 8 from T = 257: 300 has 8
            // blocks of 38, the pretraining head shape), vector tails
            for (int[] tc : new int[][]{{37, 6, 3, 16}, {70, 4, 1, 33}, {1, 2, 2, 8}, {17, 3, 3, 64}, {300, 8, 4, 32}}) {
                int T = tc[0], H = tc[1], KVH = tc[2], D = tc[3];
                float[] q = gauss(rnd, T * H * D), k = gauss(rnd, T * KVH * D), v = gauss(rnd, T * KVH * D), G = gauss(rnd, T * H * D);
                for (int i = 0; i < q.length; i++) q[i] *= 2;  // peakier softmax
                double[][] ref = backwardRef(toDouble(G), toDouble(q), toDouble(k), toDouble(v), T, H, KVH, D);
                float[][] got = backward(G, q, k, v, T, H, KVH, D);
                String what = isa + "/" + th + " T=" + T + " H=" + H + " KVH=" + KVH + " D=" + D;
                close("dq " + what, ref[0], got[0], 1e-5);
                close("dk " + what, ref[1], got[1], 1e-5);
                close("dv " + what, ref[2], got[2], 1e-5);
                float[][] again = backward(G, q, k, v, T, H, KVH, D);
                for (int i = 0; i < 3; i++) assertArrayEquals(got[i], again[i], "not deterministic: " + what);
            }
        });
    }

    @Test
    void sameBitsForOneAndThreeThreads() {
        int T = 53, H = 6, KVH = 2, D = 24;
        float[] q = gauss(rnd, T * H * D), k = gauss(rnd, T * KVH * D), v = gauss(rnd, T * KVH * D), G = gauss(rnd, T * H * D);
        try {
            Kernels.setThreads(1);
            float[][] one = backward(G, q, k, v, T, H, KVH, D);
            Kernels.setThreads(3);
            float[][] three = backward(G, q, k, v, T, H, KVH, D);
            for (int i = 0; i < 3; i++) assertArrayEquals(one[i], three[i], "output " + i);
        } finally {
            Kernels.setThreads(0);
        }
    }

    @Test
    void sizesAreChecked() {
        Kernels.load();
        FloatPointer small = new FloatPointer(10), big = new FloatPointer(1000);
        assertThrows(IllegalArgumentException.class, () -> Kernels.attentionBackward(big, big, big, big, big, big, big, big, big, 2, 3, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> Kernels.attentionBackward(big, big, big, big, big, big, big, big, big, 2, 3, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Kernels.attentionBackward(big, big, big, big, big, big, big, big, big, -2, 2, 1, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.attentionBackward(big, big, big, big, big, big, big, big, small, 11, 1, 1, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.attentionBackward(big, small, big, big, big, big, big, big, big, 3, 2, 1, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.attentionBackward(big, big, big, big, big, big, small, big, big, 3, 2, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> Kernels.attentionBackward(big, big, big, big, null, big, big, big, big, 3, 2, 2, 4));
    }
}
