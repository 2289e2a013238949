package dev.cortado.train;

import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AdamWTest {
    private static Parameter param(String name, int n, boolean decay, SplittableRandom r) {
        Parameter p = new Parameter(name, new long[]{n}, new FloatPointer(n), new FloatPointer(n), decay);
        for (int i = 0; i < n; i++) p.value().put(i, (float) r.nextGaussian());
        return p;
    }

    @Test
    void matchesTheFormulaOverSeveralStepsWithDecayOnlyWhereAsked() {
        SplittableRandom r = new SplittableRandom(7);
        int n = 37;
        Parameter a = param("a", n, true, r), b = param("b", n, false, r);
        AdamW.Settings s = new AdamW.Settings(0.9f, 0.95f, 1e-8f, 0.1f);
        double[][] p = new double[2][n], m = new double[2][n], v = new double[2][n];
        for (int i = 0; i < n; i++) {
            p[0][i] = a.value().get(i);
            p[1][i] = b.value().get(i);
        }
        try (AdamW opt = new AdamW(List.of(a, b), s)) {
            for (int step = 1; step <= 5; step++) {
                double lr = 0.01 * step;
                for (int k = 0; k < 2; k++) {
                    Parameter q = k == 0 ? a : b;
                    double wd = k == 0 ? 0.1 : 0.0;
                    for (int i = 0; i < n; i++) {
                        float g = (float) r.nextGaussian();
                        q.grad().put(i, g);
                        m[k][i] = 0.9 * m[k][i] + 0.1 * g;
                        v[k][i] = 0.95 * v[k][i] + 0.05 * g * g;
                        double mh = m[k][i] / (1 - Math.pow(0.9, step)), vh = v[k][i] / (1 - Math.pow(0.95, step));
                        p[k][i] -= lr * (mh / (Math.sqrt(vh) + 1e-8) + wd * p[k][i]);
                    }
                }
                opt.update((float) lr);
                assertEquals(step, opt.step());
                for (int i = 0; i < n; i++) {
                    assertEquals(p[0][i], a.value().get(i), 1e-5, "decayed param, step " + step);
                    assertEquals(p[1][i], b.value().get(i), 1e-5, "undecayed param, step " + step);
                }
            }
        }
    }

    @Test
    void clipsTheGlobalNormAndReportsTheNormBefore() {
        SplittableRandom r = new SplittableRandom(3);
        Parameter a = param("a", 10, true, r), b = param("b", 5, false, r);
        double ss = 0;
        for (Parameter q : List.of(a, b)) {
            for (int i = 0; i < q.size(); i++) {
                q.grad().put(i, i + 1f);
                ss += (i + 1.0) * (i + 1.0);
            }
        }
        double norm = AdamW.clipGradNorm(List.of(a, b), 1.0);
        assertEquals(Math.sqrt(ss), norm, 1e-9);
        assertEquals(1.0, AdamW.gradNorm(List.of(a, b)), 1e-5);
        assertEquals(1.0, AdamW.clipGradNorm(List.of(a, b), 5.0), 1e-5);  // under the limit: untouched
        assertEquals(1.0, AdamW.gradNorm(List.of(a, b)), 1e-5);
        AdamW.zeroGrads(List.of(a, b));
        assertEquals(0.0, AdamW.gradNorm(List.of(a, b)));
    }
}
