package dev.cortado.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transformer kernels (rmsnorm, layernorm, rope, attention, swiglu, softmax, add, bias add), AVX2
 * and portable, against double-precision Java references over odd sizes. Tolerance: the max
 * absolute error normalised by the reference's largest magnitude stays under 1e-5 (f32 rounding of
 * sums of a few hundred terms; the attention and rope use expf/cosf, still well inside it).
 */
class TransformerKernelsTest {
    static final double TOL = 1e-5;
    final Random rnd = new Random(42);

    @AfterEach
    void restoreIsa() {
        Kernels.setIsa(Kernels.bestIsa());
    }

    float[] gauss(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    static float[] read(FloatPointer p, int n) {
        float[] a = new float[n];
        p.position(0).get(a);
        return a;
    }

    static void close(String what, double[] ref, float[] got) {
        double scale = 1e-30, err = 0;
        for (int i = 0; i < ref.length; i++) {
            scale = Math.max(scale, Math.abs(ref[i]));
            err = Math.max(err, Math.abs(ref[i] - got[i]));
        }
        assertTrue(err / scale <= TOL, what + ": normalised error " + err / scale + " > " + TOL);
    }

    static void useIsa(String isa) {
        Kernels.load();
        Kernels.setIsa(isa);
    }

    // ---- references (double precision) ----

    static double[] rmsnormRef(float[] x, float[] w, int T, int C, double eps) {
        double[] o = new double[T * C];
        for (int t = 0; t < T; t++) {
            double ss = 0;
            for (int i = 0; i < C; i++) ss += (double) x[t * C + i] * x[t * C + i];
            double s = 1 / Math.sqrt(ss / C + eps);
            for (int i = 0; i < C; i++) o[t * C + i] = x[t * C + i] * s * w[i];
        }
        return o;
    }

    static double[] ropeRef(float[] x, int[] pos, int T, int H, int D, double theta, double scale, float[] ff, boolean halves) {
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) o[i] = x[i];
        for (int t = 0; t < T; t++) {
            for (int h = 0; h < H; h++) {
                int b = (t * H + h) * D;
                for (int i = 0; i < D / 2; i++) {
                    double f = Math.pow(theta, -2.0 * i / D) / (ff == null ? 1 : ff[i]);
                    double a = pos[t] * scale * f, c = Math.cos(a), s = Math.sin(a);
                    int i0 = halves ? b + i : b + 2 * i, i1 = halves ? b + i + D / 2 : b + 2 * i + 1;
                    o[i0] = x[i0] * c - x[i1] * s;
                    o[i1] = x[i0] * s + x[i1] * c;
                }
            }
        }
        return o;
    }

    /** k, v (ctx, KVH, D); T tokens at pos..pos+T-1. */
    static double[] attentionRef(float[] q, float[] k, float[] v, int T, int pos, int H, int KVH, int D) {
        double[] o = new double[T * H * D];
        int group = H / KVH;
        for (int t = 0; t < T; t++) {
            for (int h = 0; h < H; h++) {
                int g = h / group, n = pos + t + 1;
                double[] s = new double[n];
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double d = 0;
                    for (int i = 0; i < D; i++) d += (double) q[(t * H + h) * D + i] * k[(j * KVH + g) * D + i];
                    s[j] = d / Math.sqrt(D);
                    m = Math.max(m, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) sum += s[j] = Math.exp(s[j] - m);
                for (int j = 0; j < n; j++) {
                    for (int i = 0; i < D; i++) o[(t * H + h) * D + i] += s[j] / sum * v[(j * KVH + g) * D + i];
                }
            }
        }
        return o;
    }

    // ---- tests ----

    @ParameterizedTest
    @ValueSource(strings = {"avx2", "generic"})
    void rmsnormAndLayernorm(String isa) {
        useIsa(isa);
        for (int[] tc : new int[][]{{1, 1}, {3, 7}, {5, 64}, {2, 259}}) {
            int T = tc[0], C = tc[1];
            float[] x = gauss(T * C), w = gauss(C), b = gauss(C);
            FloatPointer out = new FloatPointer(T * C), rstd = new FloatPointer(T);
            Kernels.rmsnorm(out, rstd, new FloatPointer(x), new FloatPointer(w), T, C, 1e-5f);
            close("rmsnorm " + T + "x" + C, rmsnormRef(x, w, T, C, 1e-5), read(out, T * C));
            double[] ref = new double[T * C];
            for (int t = 0; t < T; t++) {
                double m = 0, var = 0;
                for (int i = 0; i < C; i++) m += x[t * C + i];
                m /= C;
                for (int i = 0; i < C; i++) var += (x[t * C + i] - m) * (x[t * C + i] - m);
                double s = 1 / Math.sqrt(var / C + 1e-5);
                for (int i = 0; i < C; i++) ref[t * C + i] = (x[t * C + i] - m) * s * w[i] + b[i];
            }
            Kernels.layernorm(out, null, rstd, new FloatPointer(x), new FloatPointer(w), new FloatPointer(b), T, C, 1e-5f);
            close("layernorm " + T + "x" + C, ref, read(out, T * C));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"avx2", "generic"})
    void ropeBothPairingsWithFactorsAndScaling(String isa) {
        useIsa(isa);
        for (boolean halves : new boolean[]{false, true}) {
            for (int[] tc : new int[][]{{1, 1, 2}, {3, 5, 6}, {7, 4, 64}, {2, 3, 34}}) {
                int T = tc[0], H = tc[1], D = tc[2];
                int[] pos = new int[T];
                for (int t = 0; t < T; t++) pos[t] = 5 + 3 * t;
                float[] ff = new float[D / 2];
                for (int i = 0; i < ff.length; i++) ff[i] = 1 + i % 3;
                for (float[] factors : new float[][]{null, ff}) {
                    float scale = factors == null ? 0.25f : 1f;
                    float[] x = gauss(T * H * D);
                    FloatPointer xp = new FloatPointer(x);
                    Kernels.rope(xp, new IntPointer(pos), T, H, D, 10000f, scale, factors == null ? null : new FloatPointer(factors), halves);
                    close("rope " + (halves ? "halves " : "pairs ") + T + "x" + H + "x" + D,
                            ropeRef(x, pos, T, H, D, 10000, scale, factors, halves), read(xp, x.length));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"avx2", "generic"})
    void attentionPrefillAndDecodeWithGqa(String isa) {
        useIsa(isa);
        // T, pos, H, KVH, D: decode (T=1), prefill over several tiles (T > 16 query rows, > 64 keys)
        for (int[] tc : new int[][]{{1, 0, 1, 1, 1}, {1, 9, 4, 2, 6}, {1, 130, 6, 3, 33}, {5, 0, 2, 2, 8},
                {37, 0, 4, 1, 16}, {19, 70, 6, 2, 9}, {3, 200, 8, 8, 64}, {37, 3, 6, 2, 64}}) {
            int T = tc[0], pos = tc[1], H = tc[2], KVH = tc[3], D = tc[4];
            int ctx = pos + T + 3;
            float[] q = gauss(T * H * D), k = gauss(ctx * KVH * D), v = gauss(ctx * KVH * D);
            FloatPointer out = new FloatPointer((long) T * H * D), lse = new FloatPointer((long) T * H);
            Kernels.attention(out, lse, new FloatPointer(q), new FloatPointer(k), new FloatPointer(v), T, pos, H, KVH, D);
            close("attention T=" + T + " pos=" + pos + " H=" + H + " KVH=" + KVH + " D=" + D,
                    attentionRef(q, k, v, T, pos, H, KVH, D), read(out, T * H * D));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"avx2", "generic"})
    void elementwise(String isa) {
        useIsa(isa);
        for (int n : new int[]{1, 7, 31, 4099, 9001}) {
            float[] a = gauss(n), b = gauss(n);
            FloatPointer out = new FloatPointer(n);
            Kernels.swiglu(out, new FloatPointer(a), new FloatPointer(b), n);
            double[] ref = new double[n];
            for (int i = 0; i < n; i++) ref[i] = a[i] / (1 + Math.exp(-a[i])) * b[i];
            close("swiglu " + n, ref, read(out, n));
            Kernels.add(out, new FloatPointer(a), new FloatPointer(b), n);
            for (int i = 0; i < n; i++) ref[i] = (double) a[i] + b[i];
            close("add " + n, ref, read(out, n));
        }
        int T = 3, V = 1001;
        float[] x = gauss(T * V), bias = gauss(V);
        for (int i = 0; i < x.length; i++) x[i] *= 10;
        FloatPointer out = new FloatPointer(T * V);
        Kernels.softmax(out, new FloatPointer(x), T, V);
        double[] ref = new double[T * V];
        for (int t = 0; t < T; t++) {
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int i = 0; i < V; i++) m = Math.max(m, x[t * V + i]);
            for (int i = 0; i < V; i++) s += Math.exp(x[t * V + i] - m);
            for (int i = 0; i < V; i++) ref[t * V + i] = Math.exp(x[t * V + i] - m) / s;
        }
        close("softmax", ref, read(out, T * V));
        FloatPointer y = new FloatPointer(x);
        Kernels.biasAdd(y, new FloatPointer(bias), T, V);
        for (int i = 0; i < T * V; i++) ref[i] = (double) x[i] + bias[i % V];
        close("biasAdd", ref, read(y, T * V));
    }

    @Test
    void sizesAreCheckedBeforeTheNativeCall() {
        Kernels.load();
        FloatPointer small = new FloatPointer(10), big = new FloatPointer(1000);
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.rmsnorm(small, null, big, big, 2, 8, 1e-5f));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.rmsnorm(big, null, big, small, 1, 11, 1e-5f));
        // the cache must hold positions [0, pos + T)
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.attention(big, null, big, small, small, 1, 5, 1, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Kernels.attention(big, null, big, big, big, 1, 0, 3, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> Kernels.rope(big, new IntPointer(1), 1, 1, 3, 1e4f, 1, null, false));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.rope(big, new IntPointer(1), 2, 1, 4, 1e4f, 1, null, false));
        assertThrows(IllegalArgumentException.class, () -> Kernels.add(big, null, big, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.add(big, big, new FloatPointer(big).position(999), 3));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.swiglu(small, big, big, 11));
    }
}
