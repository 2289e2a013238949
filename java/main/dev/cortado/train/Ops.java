package dev.cortado.train;

import org.bytedeco.javacpp.FloatPointer;

/**
 * The optimizer's element-wise arithmetic. Temporary Java versions until the native training
 * kernels (Kernels.adamw, sumSquares, scale, zero) are merged; then these forward to them.
 */
final class Ops {
    private Ops() {}

    static void adamw(FloatPointer param, FloatPointer grad, FloatPointer m, FloatPointer v, long n,
                      float lr, float beta1, float beta2, float eps, float weightDecay, long step) {
        float bc1 = 1f - (float) Math.pow(beta1, step), bc2 = 1f - (float) Math.pow(beta2, step);
        for (long i = 0; i < n; i++) {
            float g = grad.get(i), p = param.get(i);
            float mi = beta1 * m.get(i) + (1 - beta1) * g;
            float vi = beta2 * v.get(i) + (1 - beta2) * g * g;
            m.put(i, mi);
            v.put(i, vi);
            float mh = mi / bc1, vh = vi / bc2;
            param.put(i, p - lr * (mh / ((float) Math.sqrt(vh) + eps) + weightDecay * p));
        }
    }

    static double sumSquares(FloatPointer x, long n) {
        double s = 0;
        for (long i = 0; i < n; i++) {
            double f = x.get(i);
            s += f * f;
        }
        return s;
    }

    static void scale(FloatPointer x, float s, long n) {
        for (long i = 0; i < n; i++) x.put(i, x.get(i) * s);
    }

    static void zero(FloatPointer x, long n) {
        for (long i = 0; i < n; i++) x.put(i, 0f);
    }
}
