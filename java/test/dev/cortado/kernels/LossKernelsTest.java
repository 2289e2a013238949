package dev.cortado.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.cortado.kernels.GradCheck.close;
import static dev.cortado.kernels.GradCheck.fd;
import static dev.cortado.kernels.GradCheck.forEachConfig;
import static dev.cortado.kernels.GradCheck.gauss;
import static dev.cortado.kernels.GradCheck.read;
import static dev.cortado.kernels.GradCheck.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused softmax cross-entropy, both ISAs, 1 and 3 threads: gradient against central finite
 * differences of Σ mask·gradScale·loss in double (T=5, V=53; normalised error ≤ 1e-4), losses and
 * gradient against a double reference at V up to 32000 with logits far from 0 (≤ 1e-5), masked rows
 * exactly 0 whatever their target, the returned sum, determinism, and the target checks.
 */
class LossKernelsTest {
    final Random rnd = new Random(11);

    /** Per-row losses (unweighted, 0 where masked) in double. */
    static double[] lossesRef(double[] logits, int[] y, float[] mask, int T, int V) {
        double[] l = new double[T];
        for (int t = 0; t < T; t++) {
            if (mask != null && !(mask[t] > 0)) continue;
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int i = 0; i < V; i++) m = Math.max(m, logits[t * V + i]);
            for (int i = 0; i < V; i++) s += Math.exp(logits[t * V + i] - m);
            l[t] = m + Math.log(s) - logits[t * V + y[t]];
        }
        return l;
    }

    static double[] gradRef(float[] logits, int[] y, float[] mask, int T, int V, double scale) {
        double[] g = new double[T * V];
        for (int t = 0; t < T; t++) {
            double mk = mask == null ? 1 : mask[t];
            if (!(mk > 0)) continue;
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int i = 0; i < V; i++) m = Math.max(m, logits[t * V + i]);
            for (int i = 0; i < V; i++) s += Math.exp(logits[t * V + i] - m);
            for (int i = 0; i < V; i++) g[t * V + i] = Math.exp(logits[t * V + i] - m) / s * mk * scale;
            g[t * V + y[t]] -= mk * scale;
        }
        return g;
    }

    record Result(double sum, float[] losses, float[] grad) {}

    static Result run(float[] logits, int[] y, float[] mask, int T, int V, float scale) {
        FloatPointer lp = new FloatPointer(logits), losses = new FloatPointer(T);
        double sum = Kernels.crossEntropy(losses, lp, new IntPointer(y), mask == null ? null : new FloatPointer(mask), T, V, scale);
        return new Result(sum, read(losses, T), read(lp, T * V));
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        forEachConfig((isa, th) -> {
            int T = 5, V = 53;
            float[] logits = gauss(rnd, T * V);
            int[] y = {3, -100, 52, 0, 17};
            float[] mask = {1, 0, 0.5f, 1, 2};
            float scale = 0.25f;
            double[] fdg = fd(toDouble(logits), 1e-3, l -> {
                double[] ls = lossesRef(l, y, mask, T, V);
                double s = 0;
                for (int t = 0; t < T; t++) s += mask[t] * scale * ls[t];
                return s;
            });
            Result r = run(logits, y, mask, T, V, scale);
            close("crossEntropy fd " + isa + "/" + th, fdg, r.grad(), 1e-4);
            for (int i = V; i < 2 * V; i++) assertEquals(0f, r.grad()[i], "masked row");
            assertEquals(0f, r.losses()[1]);
        });
    }

    @Test
    void lossesAndGradientMatchTheReference() {
        forEachConfig((isa, th) -> {
            for (int[] tc : new int[][]{{9, 1003}, {2, 32000}, {3, 7}}) {
                int T = tc[0], V = tc[1];
                float[] logits = gauss(rnd, T * V);
                for (int i = 0; i < logits.length; i++) logits[i] *= 10;
                for (int i = 0; i < V; i++) logits[i] += 1e4f;  // far from 0: max-subtraction needed
                int[] y = new int[T];
                float[] mask = new float[T];
                for (int t = 0; t < T; t++) {
                    y[t] = rnd.nextInt(V);
                    mask[t] = t == 1 ? 0 : 1 + t % 2;
                }
                Result r = run(logits, y, mask, T, V, 1f / 7);
                double[] ref = lossesRef(toDouble(logits), y, mask, T, V);
                String what = isa + "/" + th + " " + T + "x" + V;
                close("crossEntropy losses " + what, ref, r.losses(), 1e-5);
                close("crossEntropy grad " + what, gradRef(logits, y, mask, T, V, 1f / 7), r.grad(), 1e-5);
                double sum = 0;
                for (double l : ref) sum += l;
                assertTrue(Math.abs(r.sum() - sum) <= 1e-5 * Math.abs(sum), what + ": sum " + r.sum() + " vs " + sum);
                Result again = run(logits, y, mask, T, V, 1f / 7);
                assertArrayEquals(r.grad(), again.grad());
                assertEquals(r.sum(), again.sum());
            }
            // no mask: every row counts with weight 1
            int T = 4, V = 37;
            float[] logits = gauss(rnd, T * V);
            int[] y = {1, 2, 3, 36};
            Result r = run(logits, y, null, T, V, 1f);
            close("crossEntropy no mask " + isa, gradRef(logits, y, null, T, V, 1), r.grad(), 1e-5);
        });
    }

    @Test
    void targetsAndSizesAreChecked() {
        Kernels.load();
        FloatPointer big = new FloatPointer(1000), losses = new FloatPointer(4);
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.crossEntropy(losses, big, new IntPointer(new int[]{0, 10}), null, 2, 10, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.crossEntropy(losses, big, new IntPointer(new int[]{-1, 0}), null, 2, 10, 1));
        // a masked row may carry any target
        Kernels.crossEntropy(losses, big, new IntPointer(new int[]{-100, 0}), new FloatPointer(new float[]{0, 1}), 2, 10, 1);
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.crossEntropy(losses, big, new IntPointer(new int[]{0}), null, 2, 10, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.crossEntropy(losses, big, new IntPointer(new int[]{0, 0}), null, 2, 501, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.crossEntropy(new FloatPointer(1), big, new IntPointer(new int[]{0, 0}), null, 2, 10, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> Kernels.crossEntropy(losses, big, new IntPointer(new int[]{0, 0}), new FloatPointer(1), 2, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> Kernels.crossEntropy(losses, big, new IntPointer(new int[]{0, 0}), null, 2, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Kernels.crossEntropy(losses, big, null, null, 2, 10, 1));
    }
}
