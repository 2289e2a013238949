package dev.cortado.kernels;

import org.bytedeco.javacpp.FloatPointer;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shared test machinery of the training kernels: central finite differences of a double-precision
 * loss, normalised error checks, and the (ISA, threads) configurations every kernel runs under.
 */
final class GradCheck {
    private GradCheck() {}

    /** Every ISA this CPU has, each with 1 and 3 threads. */
    static List<String[]> configs() {
        Kernels.load();
        List<String[]> c = new ArrayList<>();
        List<String> isas = Kernels.bestIsa().equals("avx2") ? List.of("generic", "avx2") : List.of("generic");
        for (String isa : isas) for (String th : new String[]{"1", "3"}) c.add(new String[]{isa, th});
        return c;
    }

    /** Runs body under every configuration, restoring the ISA and thread count afterwards. */
    static void forEachConfig(java.util.function.BiConsumer<String, Integer> body) {
        try {
            for (String[] c : configs()) {
                Kernels.setIsa(c[0]);
                Kernels.setThreads(Integer.parseInt(c[1]));
                body.accept(c[0], Integer.parseInt(c[1]));
            }
        } finally {
            Kernels.setIsa(Kernels.bestIsa());
            Kernels.setThreads(0);
        }
    }

    static float[] gauss(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static float[] read(FloatPointer p, int n) {
        float[] a = new float[n];
        p.position(0).get(a);
        return a;
    }

    /**
     * Central differences of loss at x (changed and restored in place): d loss / d x[i] for every i,
     * step h. Errors: O(h²) truncation plus loss rounding / h (double precision: ~1e-9 at h = 1e-4).
     */
    static double[] fd(double[] x, double h, ToDoubleFunction<double[]> loss) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double x0 = x[i];
            x[i] = x0 + h;
            double lp = loss.applyAsDouble(x);
            x[i] = x0 - h;
            double lm = loss.applyAsDouble(x);
            x[i] = x0;
            g[i] = (lp - lm) / (2 * h);
        }
        return g;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** max |ref - got| / max |ref| <= tol. */
    static void close(String what, double[] ref, float[] got, double tol) {
        double scale = 1e-30, err = 0;
        for (int i = 0; i < ref.length; i++) {
            scale = Math.max(scale, Math.abs(ref[i]));
            err = Math.max(err, Math.abs(ref[i] - got[i]));
        }
        assertTrue(err / scale <= tol, what + ": normalised error " + err / scale + " > " + tol);
    }

    /** got minus its starting values (for the "+=" kernels), as float. */
    static float[] minus(float[] got, float[] start) {
        float[] d = new float[got.length];
        for (int i = 0; i < got.length; i++) d[i] = got[i] - start[i];
        return d;
    }

    static void bitIdentical(String what, float[] a, float[] b) {
        assertArrayEquals(a, b, what + ": not bit-identical");
    }
}
