package dev.cortado.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.cortado.kernels.GradCheck.close;
import static dev.cortado.kernels.GradCheck.forEachConfig;
import static dev.cortado.kernels.GradCheck.gauss;
import static dev.cortado.kernels.GradCheck.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AdamW against a double Java reference of its formula over 3 steps (normalised error ≤ 1e-5 on
 * parameters, m and v), sumSquares (relative 1e-12: double accumulation), scale (bit-exact float
 * products), zero; both ISAs, 1 and 3 threads, sizes crossing the kernels' 16384-float chunks.
 */
class OptimKernelsTest {
    final Random rnd = new Random(3);

    @Test
    void adamwFollowsTheFormulaOverThreeSteps() {
        forEachConfig((isa, th) -> {
            for (int n : new int[]{37, 20001}) {
                float[] p0 = gauss(rnd, n);
                double[] p = new double[n], m = new double[n], v = new double[n];
                for (int i = 0; i < n; i++) p[i] = p0[i];
                FloatPointer pp = new FloatPointer(p0), mp = new FloatPointer(n), vp = new FloatPointer(n);
                Kernels.zero(mp, n);
                Kernels.zero(vp, n);
                float lr = 1e-2f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd = 0.1f;
                for (int step = 1; step <= 3; step++) {
                    float[] g = gauss(rnd, n);
                    for (int i = 0; i < n; i++) g[i] *= 0.01f * (1 + i % 5);
                    Kernels.adamw(pp, new FloatPointer(g), mp, vp, n, lr, b1, b2, eps, wd, step);
                    double c1 = 1 - Math.pow(b1, step), c2 = 1 - Math.pow(b2, step);
                    for (int i = 0; i < n; i++) {
                        m[i] = b1 * m[i] + (1 - (double) b1) * g[i];
                        v[i] = b2 * v[i] + (1 - (double) b2) * g[i] * g[i];
                        p[i] -= lr * (m[i] / c1 / (Math.sqrt(v[i] / c2) + eps) + wd * p[i]);
                    }
                    String what = isa + "/" + th + " n=" + n + " step " + step;
                    close("adamw param " + what, p, read(pp, n), 1e-5);
                    close("adamw m " + what, m, read(mp, n), 1e-5);
                    close("adamw v " + what, v, read(vp, n), 1e-5);
                }
            }
        });
    }

    @Test
    void sumSquaresScaleZero() {
        forEachConfig((isa, th) -> {
            for (int n : new int[]{1, 37, 100003}) {
                float[] x = gauss(rnd, n);
                double ref = 0;
                for (float f : x) ref += (double) f * f;
                FloatPointer xp = new FloatPointer(x);
                double got = Kernels.sumSquares(xp, n);
                assertTrue(Math.abs(got - ref) <= 1e-12 * ref, isa + " sumSquares " + got + " vs " + ref);
                assertEquals(got, Kernels.sumSquares(xp, n), "sumSquares not deterministic");
                Kernels.scale(xp, 0.37f, n);
                float[] want = new float[n];
                for (int i = 0; i < n; i++) want[i] = x[i] * 0.37f;
                assertArrayEquals(want, read(xp, n), isa + " scale");
                Kernels.zero(xp, n);
                assertArrayEquals(new float[n], read(xp, n), isa + " zero");
            }
        });
    }

    @Test
    void argumentsAreChecked() {
        Kernels.load();
        FloatPointer small = new FloatPointer(10), big = new FloatPointer(1000);
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.adamw(big, big, small, big, 11, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Kernels.adamw(big, big, big, big, 11, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Kernels.adamw(big, big, big, big, 11, 1e-3f, 1f, 0.999f, 1e-8f, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Kernels.adamw(big, big, big, big, 11, Float.NaN, 0.9f, 0.999f, 1e-8f, 0, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.sumSquares(small, 11));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.scale(small, 2, 11));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.zero(new FloatPointer(big).position(995), 6));
        assertThrows(IllegalArgumentException.class, () -> Kernels.zero(null, 1));
        assertThrows(IllegalArgumentException.class, () -> Kernels.scale(big, 2, -1));
    }
}
