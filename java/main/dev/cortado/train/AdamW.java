package dev.cortado.train;

import dev.cortado.kernels.Kernels;
import org.bytedeco.javacpp.FloatPointer;

import java.util.ArrayList;
import java.util.List;

/**
 * AdamW over a model's {@link Parameter}s: per parameter a first and second moment buffer (native
 * f32, zeroed at start), bias correction with the step counted from 1, and decoupled weight decay
 * applied only to parameters whose {@link Parameter#decay()} is set (matrices, not norms or biases).
 * Also the global-norm gradient clipping that runs just before each step.
 */
public final class AdamW implements AutoCloseable {
    /** The optimizer's hyper-parameters (the learning rate comes per step from the schedule). */
    public record Settings(float beta1, float beta2, float eps, float weightDecay) {
        public static final Settings DEFAULT = new Settings(0.9f, 0.999f, 1e-8f, 0.0f);

        public Settings {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("betas must lie in [0, 1)");
            if (!(eps > 0)) throw new IllegalArgumentException("eps must be > 0");
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0");
        }
    }

    private final List<Parameter> params;
    private final Settings settings;
    private final List<FloatPointer> m = new ArrayList<>();
    private final List<FloatPointer> v = new ArrayList<>();
    private long step;

    public AdamW(List<Parameter> params, Settings settings) {
        this.params = List.copyOf(params);
        this.settings = settings;
        for (Parameter p : this.params) {
            m.add(zeroed(p.size()));
            v.add(zeroed(p.size()));
        }
    }

    private static FloatPointer zeroed(long n) {
        FloatPointer p = new FloatPointer(n);
        p.zero();
        return p;
    }

    public Settings settings() {
        return settings;
    }

    /** Optimizer steps taken (the bias-correction counter). */
    public long step() {
        return step;
    }

    public List<Parameter> parameters() {
        return params;
    }

    /** First moment of parameter {@code i} (checkpoints read and restore it in place). */
    public FloatPointer m(int i) {
        return m.get(i);
    }

    /** Second moment of parameter {@code i}. */
    public FloatPointer v(int i) {
        return v.get(i);
    }

    /** Restores the step counter (with m and v restored in place, a checkpoint resumes exactly). */
    public void setStep(long step) {
        if (step < 0) throw new IllegalArgumentException("step " + step);
        this.step = step;
    }

    /** One update of every parameter from its gradient with learning rate {@code lr}. */
    public void update(float lr) {
        step++;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            Kernels.adamw(p.value(), p.grad(), m.get(i), v.get(i), p.size(), lr, settings.beta1, settings.beta2, settings.eps,
                    p.decay() ? settings.weightDecay : 0f, step);
        }
    }

    /** The global L2 norm of all gradients. */
    public static double gradNorm(List<Parameter> params) {
        double ss = 0;
        for (Parameter p : params) ss += Kernels.sumSquares(p.grad(), p.size());
        return Math.sqrt(ss);
    }

    /**
     * Scales all gradients so that their global norm is at most {@code maxNorm} (0 or less: no
     * clipping). Returns the norm before clipping, as the log reports it.
     */
    public static double clipGradNorm(List<Parameter> params, double maxNorm) {
        double norm = gradNorm(params);
        if (maxNorm > 0 && norm > maxNorm && Double.isFinite(norm)) {
            float s = (float) (maxNorm / (norm + 1e-6));
            for (Parameter p : params) Kernels.scale(p.grad(), s, p.size());
        }
        return norm;
    }

    /** Sets every gradient to zero (once per optimizer step, before its micro-batches). */
    public static void zeroGrads(List<Parameter> params) {
        for (Parameter p : params) Kernels.zero(p.grad(), p.size());
    }

    @Override
    public void close() {
        m.forEach(FloatPointer::close);
        v.forEach(FloatPointer::close);
        m.clear();
        v.clear();
    }
}
