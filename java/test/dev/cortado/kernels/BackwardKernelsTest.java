package dev.cortado.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.cortado.kernels.GradCheck.close;
import static dev.cortado.kernels.GradCheck.dot;
import static dev.cortado.kernels.GradCheck.fd;
import static dev.cortado.kernels.GradCheck.forEachConfig;
import static dev.cortado.kernels.GradCheck.gauss;
import static dev.cortado.kernels.GradCheck.minus;
import static dev.cortado.kernels.GradCheck.read;
import static dev.cortado.kernels.GradCheck.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The backward kernels (matmul weight gradient, rmsnorm, rope, swiglu, embedding, bias), both ISAs,
 * 1 and 3 threads. Each is checked twice: at small odd sizes against central finite differences of a
 * double-precision Java forward (loss = Σ G ∘ forward(x) for a random G; normalised error ≤ FD_TOL =
 * 1e-4: float kernel vs O(h²) differences), and at larger odd sizes (crossing every tile and vector
 * edge) against an analytic double reference (≤ TOL = 1e-5). Every kernel is also run twice and
 * with 1 and 3 threads, and must agree bit for bit.
 */
class BackwardKernelsTest {
    static final double FD_TOL = 1e-4, TOL = 1e-5, H = 1e-3;
    final Random rnd = new Random(7);

    // ---- matmul weight gradient ----

    static double[] matmulBackwardWRef(float[] dy, float[] x, int T, int C, int OC) {
        double[] dw = new double[OC * C];
        for (int t = 0; t < T; t++)
            for (int o = 0; o < OC; o++)
                for (int c = 0; c < C; c++) dw[o * C + c] += (double) dy[t * OC + o] * x[t * C + c];
        return dw;
    }

    float[] matmulBackwardW(float[] dw0, float[] dy, float[] x, int T, int C, int OC) {
        FloatPointer dw = new FloatPointer(dw0);
        Kernels.matmulBackwardW(dw, new FloatPointer(dy), new FloatPointer(x), T, C, OC);
        return read(dw, OC * C);
    }

    @Test
    void matmulBackwardW() {
        forEachConfig((isa, th) -> {
            // finite differences: L(W) = Σ G ∘ (x Wᵀ)
            int T = 5, C = 37, OC = 11;
            float[] x = gauss(rnd, T * C), g = gauss(rnd, T * OC), dw0 = gauss(rnd, OC * C);
            double[] w = toDouble(gauss(rnd, OC * C));
            double[] fdw = fd(w, H, ww -> {
                double s = 0;
                for (int t = 0; t < T; t++)
                    for (int o = 0; o < OC; o++) {
                        double y = 0;
                        for (int c = 0; c < C; c++) y += x[t * C + c] * ww[o * C + c];
                        s += g[t * OC + o] * y;
                    }
                return s;
            });
            close("matmulBackwardW fd " + isa + "/" + th, fdw, minus(matmulBackwardW(dw0, g, x, T, C, OC), dw0), FD_TOL);
            // analytic, crossing the 24-column, 4/32-row, 192-column and 256-token tiles
            for (int[] tc : new int[][]{{300, 201, 37}, {3, 577, 70}, {67, 24, 33}, {1, 5, 1}}) {
                int T2 = tc[0], C2 = tc[1], OC2 = tc[2];
                float[] x2 = gauss(rnd, T2 * C2), dy2 = gauss(rnd, T2 * OC2), z = new float[OC2 * C2];
                float[] got = matmulBackwardW(z, dy2, x2, T2, C2, OC2);
                close("matmulBackwardW " + isa + "/" + th + " " + T2 + "x" + C2 + "x" + OC2, matmulBackwardWRef(dy2, x2, T2, C2, OC2), got, TOL);
                assertArrayEquals(got, matmulBackwardW(z, dy2, x2, T2, C2, OC2), "matmulBackwardW not deterministic");
            }
        });
    }

    // ---- rmsnorm ----

    static double rmsnormLoss(double[] x, double[] w, float[] g, int T, int C, double eps) {
        double s = 0;
        for (int t = 0; t < T; t++) {
            double ss = 0;
            for (int i = 0; i < C; i++) ss += x[t * C + i] * x[t * C + i];
            double r = 1 / Math.sqrt(ss / C + eps);
            for (int i = 0; i < C; i++) s += g[t * C + i] * x[t * C + i] * r * w[i];
        }
        return s;
    }

    /** {dx, dw} analytically in double. */
    static double[][] rmsnormBackwardRef(float[] g, float[] x, float[] w, int T, int C, double eps) {
        double[] dx = new double[T * C], dw = new double[C];
        for (int t = 0; t < T; t++) {
            double ss = 0, s = 0;
            for (int i = 0; i < C; i++) ss += (double) x[t * C + i] * x[t * C + i];
            double r = 1 / Math.sqrt(ss / C + eps);
            for (int i = 0; i < C; i++) s += (double) w[i] * g[t * C + i] * x[t * C + i];
            for (int i = 0; i < C; i++) {
                dx[t * C + i] = r * w[i] * g[t * C + i] - x[t * C + i] * r * r * r / C * s;
                dw[i] += (double) g[t * C + i] * x[t * C + i] * r;
            }
        }
        return new double[][]{dx, dw};
    }

    /** {dx - dx0, dw - dw0} from the kernel, rstd from the float forward. */
    float[][] rmsnormBackward(float[] g, float[] x, float[] w, float[] dx0, float[] dw0, int T, int C) {
        FloatPointer xp = new FloatPointer(x), wp = new FloatPointer(w), rstd = new FloatPointer(T);
        Kernels.rmsnorm(new FloatPointer((long) T * C), rstd, xp, wp, T, C, 1e-5f);
        FloatPointer dx = new FloatPointer(dx0), dw = new FloatPointer(dw0);
        Kernels.rmsnormBackward(dx, dw, new FloatPointer(g), xp, wp, rstd, T, C);
        return new float[][]{minus(read(dx, T * C), dx0), minus(read(dw, C), dw0)};
    }

    @Test
    void rmsnormBackward() {
        forEachConfig((isa, th) -> {
            int T = 5, C = 37;
            float[] x = gauss(rnd, T * C), w = gauss(rnd, C), g = gauss(rnd, T * C);
            float[][] got = rmsnormBackward(g, x, w, gauss(rnd, T * C), gauss(rnd, C), T, C);
            double[] wd = toDouble(w);
            close("rmsnorm dx fd " + isa + "/" + th, fd(toDouble(x), H, xx -> rmsnormLoss(xx, wd, g, T, C, 1e-5)), got[0], FD_TOL);
            double[] xd = toDouble(x);
            close("rmsnorm dw fd " + isa + "/" + th, fd(toDouble(w), H, ww -> rmsnormLoss(xd, ww, g, T, C, 1e-5)), got[1], FD_TOL);
            for (int[] tc : new int[][]{{33, 1001}, {4, 7}, {2, 64}}) {
                int T2 = tc[0], C2 = tc[1];
                float[] x2 = gauss(rnd, T2 * C2), w2 = gauss(rnd, C2), g2 = gauss(rnd, T2 * C2);
                float[][] a = rmsnormBackward(g2, x2, w2, new float[T2 * C2], new float[C2], T2, C2);
                double[][] ref = rmsnormBackwardRef(g2, x2, w2, T2, C2, 1e-5);
                close("rmsnorm dx " + isa + "/" + th + " " + T2 + "x" + C2, ref[0], a[0], TOL);
                close("rmsnorm dw " + isa + "/" + th + " " + T2 + "x" + C2, ref[1], a[1], TOL);
                float[][] b = rmsnormBackward(g2, x2, w2, new float[T2 * C2], new float[C2], T2, C2);
                assertArrayEquals(a[0], b[0]);
                assertArrayEquals(a[1], b[1]);
            }
            // dw null: a frozen norm
            FloatPointer rstd = new FloatPointer(T), dx = new FloatPointer(new float[T * C]);
            Kernels.rmsnorm(new FloatPointer((long) T * C), rstd, new FloatPointer(x), new FloatPointer(w), T, C, 1e-5f);
            Kernels.rmsnormBackward(dx, null, new FloatPointer(g), new FloatPointer(x), new FloatPointer(w), rstd, T, C);
            close("rmsnorm dx (dw null) " + isa, rmsnormBackwardRef(g, x, w, T, C, 1e-5)[0], read(dx, T * C), TOL);
        });
    }

    // ---- rope ----

    static double[] ropeRef(double[] x, int[] pos, int T, int H, int D, double theta, double scale, float[] ff, boolean halves) {
        double[] o = x.clone();
        for (int t = 0; t < T; t++)
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
        return o;
    }

    @Test
    void ropeBackward() {
        forEachConfig((isa, th) -> {
            for (boolean halves : new boolean[]{false, true}) {
                for (int[] tc : new int[][]{{5, 3, 10}, {7, 6, 66}}) {
                    int T = tc[0], Hh = tc[1], D = tc[2];
                    int[] pos = new int[T];
                    for (int t = 0; t < T; t++) pos[t] = 3 + 7 * t;
                    float[] ff = new float[D / 2];
                    for (int i = 0; i < ff.length; i++) ff[i] = 1 + i % 4;
                    float[] g = gauss(rnd, T * Hh * D);
                    // small: finite differences; larger: the transposed rotation (the angle negated)
                    double[] ref = T * Hh * D < 200
                            ? fd(toDouble(gauss(rnd, T * Hh * D)), H, xx -> dot(toDouble(g), ropeRef(xx, pos, T, Hh, D, 10000, 0.5, ff, halves)))
                            : ropeRef(toDouble(g), pos, T, Hh, D, 10000, -0.5, ff, halves);
                    FloatPointer d = new FloatPointer(g);
                    Kernels.ropeBackward(d, new IntPointer(pos), T, Hh, D, 10000f, 0.5f, new FloatPointer(ff), halves);
                    close("ropeBackward " + isa + "/" + th + " " + T + "x" + Hh + "x" + D + (halves ? " halves" : ""), ref, read(d, g.length),
                            T * Hh * D < 200 ? FD_TOL : TOL);
                    // the inverse: backward after forward gives x back
                    float[] x = gauss(rnd, T * Hh * D);
                    FloatPointer xp = new FloatPointer(x);
                    Kernels.rope(xp, new IntPointer(pos), T, Hh, D, 10000f, 0.5f, null, halves);
                    Kernels.ropeBackward(xp, new IntPointer(pos), T, Hh, D, 10000f, 0.5f, null, halves);
                    close("rope then ropeBackward", toDouble(x), read(xp, x.length), TOL);
                }
            }
        });
    }

    // ---- swiglu ----

    @Test
    void swigluBackward() {
        forEachConfig((isa, th) -> {
            for (int n : new int[]{37, 10007}) {
                float[] gate = gauss(rnd, n), up = gauss(rnd, n), g = gauss(rnd, n);
                for (int i = 0; i < n; i++) gate[i] *= 3;
                FloatPointer dgate = new FloatPointer(n), dup = new FloatPointer(n);
                Kernels.swigluBackward(dgate, dup, new FloatPointer(g), new FloatPointer(gate), new FloatPointer(up), n);
                // element-wise, so the finite differences of each element's own term are its gradient
                double[] fg = new double[n], fu = new double[n];
                for (int i = 0; i < n; i++) {
                    double a = gate[i], b = up[i];
                    fg[i] = g[i] * (silu(a + H) - silu(a - H)) * b / (2 * H);
                    fu[i] = g[i] * silu(a) * ((b + H) - (b - H)) / (2 * H);
                }
                close("swiglu dgate fd " + isa + "/" + th + " " + n, fg, read(dgate, n), FD_TOL);
                close("swiglu dup fd " + isa + "/" + th + " " + n, fu, read(dup, n), FD_TOL);
                double[] rg = new double[n], ru = new double[n];
                for (int i = 0; i < n; i++) {
                    double a = gate[i], s = 1 / (1 + Math.exp(-a));
                    rg[i] = g[i] * up[i] * s * (1 + a * (1 - s));
                    ru[i] = g[i] * a * s;
                }
                close("swiglu dgate " + isa + "/" + th + " " + n, rg, read(dgate, n), TOL);
                close("swiglu dup " + isa + "/" + th + " " + n, ru, read(dup, n), TOL);
                // in place: dgate = dout, dup = up
                FloatPointer d = new FloatPointer(g), u = new FloatPointer(up);
                Kernels.swigluBackward(d, u, d, new FloatPointer(gate), u, n);
                assertArrayEquals(read(dgate, n), read(d, n));
                assertArrayEquals(read(dup, n), read(u, n));
            }
        });
    }

    static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    // ---- embedding and bias ----

    @Test
    void embeddingBackward() {
        forEachConfig((isa, th) -> {
            for (int[] tc : new int[][]{{5, 37, 53}, {50, 300, 53}}) {
                int T = tc[0], C = tc[1], V = tc[2];
                int[] tokens = new int[T];
                for (int t = 0; t < T; t++) tokens[t] = t % 3 == 0 ? 7 : rnd.nextInt(V);  // repeats
                float[] g = gauss(rnd, T * C), d0 = gauss(rnd, V * C);
                double[] ref;
                if (T < 10) {
                    ref = fd(toDouble(gauss(rnd, V * C)), H, table -> {
                        double s = 0;
                        for (int t = 0; t < T; t++) for (int c = 0; c < C; c++) s += g[t * C + c] * table[tokens[t] * C + c];
                        return s;
                    });
                } else {
                    ref = new double[V * C];
                    for (int t = 0; t < T; t++) for (int c = 0; c < C; c++) ref[tokens[t] * C + c] += g[t * C + c];
                }
                FloatPointer dt = new FloatPointer(d0);
                Kernels.embeddingBackward(dt, new FloatPointer(g), new IntPointer(tokens), T, C, V);
                close("embeddingBackward " + isa + "/" + th + " " + T + "x" + C, ref, minus(read(dt, V * C), d0), T < 10 ? FD_TOL : TOL);
            }
        });
    }

    @Test
    void biasBackward() {
        forEachConfig((isa, th) -> {
            for (int[] tc : new int[][]{{5, 37}, {40, 517}}) {
                int T = tc[0], C = tc[1];
                float[] g = gauss(rnd, T * C), b0 = gauss(rnd, C);
                double[] ref = fd(toDouble(gauss(rnd, C)), H, b -> {
                    double s = 0;
                    for (int t = 0; t < T; t++) for (int c = 0; c < C; c++) s += g[t * C + c] * b[c];
                    return s;
                });
                FloatPointer db = new FloatPointer(b0);
                Kernels.biasBackward(db, new FloatPointer(g), T, C);
                close("biasBackward fd " + isa + "/" + th + " " + T + "x" + C, ref, minus(read(db, C), b0), FD_TOL);
            }
        });
    }

    // ---- determinism across thread counts, and the checks ----

    @Test
    void sameBitsForOneAndThreeThreads() {
        int T = 97, C = 300, OC = 70, V = 53;
        float[] x = gauss(rnd, T * C), dy = gauss(rnd, T * OC), w = gauss(rnd, C);
        int[] tokens = new int[T];
        for (int t = 0; t < T; t++) tokens[t] = rnd.nextInt(V);
        float[][][] runs = new float[2][][];
        try {
            for (int r = 0; r < 2; r++) {
                Kernels.setThreads(r == 0 ? 1 : 3);
                FloatPointer dw = new FloatPointer(new float[OC * C]);
                Kernels.matmulBackwardW(dw, new FloatPointer(dy), new FloatPointer(x), T, C, OC);
                FloatPointer rstd = new FloatPointer(T), dx = new FloatPointer(new float[T * C]), dnw = new FloatPointer(new float[C]);
                Kernels.rmsnorm(new FloatPointer((long) T * C), rstd, new FloatPointer(x), new FloatPointer(w), T, C, 1e-5f);
                Kernels.rmsnormBackward(dx, dnw, new FloatPointer(x), new FloatPointer(x), new FloatPointer(w), rstd, T, C);
                FloatPointer dt = new FloatPointer(new float[V * C]), db = new FloatPointer(new float[C]);
                Kernels.embeddingBackward(dt, new FloatPointer(x), new IntPointer(tokens), T, C, V);
                Kernels.biasBackward(db, new FloatPointer(x), T, C);
                runs[r] = new float[][]{read(dw, OC * C), read(dx, T * C), read(dnw, C), read(dt, V * C), read(db, C)};
            }
        } finally {
            Kernels.setThreads(0);
        }
        for (int i = 0; i < runs[0].length; i++) assertArrayEquals(runs[0][i], runs[1][i], "output " + i);
    }

    @Test
    void frontsCheckSizesAndTokens() {
        Kernels.load();
        FloatPointer small = new FloatPointer(10), big = new FloatPointer(1000);
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.matmulBackwardW(small, big, big, 2, 3, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.matmulBackwardW(big, small, big, 3, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> Kernels.matmulBackwardW(big, big, big, -1, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> Kernels.matmulBackwardW(null, big, big, 1, 3, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.rmsnormBackward(big, big, big, big, big, small, 11, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.rmsnormBackward(big, small, big, big, big, big, 1, 11));
        assertThrows(IllegalArgumentException.class, () -> Kernels.ropeBackward(big, new IntPointer(1), 1, 1, 3, 1e4f, 1, null, false));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.ropeBackward(big, new IntPointer(1), 2, 1, 4, 1e4f, 1, null, false));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.swigluBackward(big, small, big, big, big, 11));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.biasBackward(small, big, 2, 11));
        IntPointer tokens = new IntPointer(new int[]{0, 5, 2});
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.embeddingBackward(big, big, tokens, 3, 4, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.embeddingBackward(big, big, new IntPointer(new int[]{-1}), 1, 4, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.embeddingBackward(big, big, tokens, 4, 4, 9));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.embeddingBackward(small, big, tokens, 3, 4, 6));
        assertThrows(IllegalArgumentException.class, () -> Kernels.embeddingBackward(big, big, null, 3, 4, 6));
    }
}
