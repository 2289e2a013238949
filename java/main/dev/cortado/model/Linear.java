package dev.cortado.model;

import dev.cortado.kernels.Kernels;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * One weight multiplication: y (T, OC) = x (T, C) · Wᵀ with W (OC, C) in its stored type. Every
 * matrix product of the engine goes through here, so the kernel behind it changes in one place.
 *
 * <p>TEMPORARY implementation until the native {@code Kernels.matmul} lands: the weight is
 * dequantized once into a Java f32 copy and multiplied with a plain loop (sequential f32 sums, as
 * llama2.c's matmul). Switching: replace {@link #forward}'s body with
 * {@code Kernels.matmul(type, w, w.capacity(), x, x.capacity() - x.position(), y, y.capacity() - y.position(), T, C, OC)}
 * and drop {@code dense}.
 */
public final class Linear {
    private final String name;
    private final TensorType type;
    private final int outFeatures;
    private final int inFeatures;
    private final BytePointer w;  // the weight's bytes, native (for the matmul kernel)
    private float[] dense;        // temporary: dequantized copy
    private float[] xs;
    private float[] ys;

    Linear(Tensor weight) {
        if (weight.rank() != 2) throw new IllegalArgumentException(weight.name() + " is not a matrix");
        this.name = weight.name();
        this.type = weight.type();
        this.outFeatures = Math.toIntExact(weight.dim(0));
        this.inFeatures = Math.toIntExact(weight.dim(1));
        this.w = NativeTensor.bytes(weight);
        this.dense = weight.toFloats();
    }

    public String name() {
        return name;
    }

    public TensorType type() {
        return type;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    /** y (T, OC) = x (T, C) · Wᵀ, reading x and writing y from their current positions. */
    public void forward(FloatPointer x, FloatPointer y, int T) {
        int C = inFeatures, OC = outFeatures;
        long nx = (long) T * C, ny = (long) T * OC;
        if (x.capacity() - x.position() < nx || y.capacity() - y.position() < ny) {
            throw new IndexOutOfBoundsException(name + ": buffers too small for " + T + " rows");
        }
        if (xs == null || xs.length < nx) xs = new float[(int) nx];
        if (ys == null || ys.length < ny) ys = new float[(int) ny];
        long xp = x.position(), yp = y.position();
        x.get(xs, 0, (int) nx);
        x.position(xp);
        float[] wd = dense, in = xs, out = ys;
        int threads = Kernels.threads();
        if ((long) OC * C * T < (1 << 16) || threads == 1) {
            rows(wd, in, out, T, C, OC, 0, OC);
        } else {
            int chunks = threads * 4, per = (OC + chunks - 1) / chunks;
            pool(threads).submit(() -> IntStream.range(0, chunks).parallel()
                    .forEach(c -> rows(wd, in, out, T, C, OC, c * per, Math.min(OC, (c + 1) * per)))).join();
        }
        y.put(ys, 0, (int) ny);
        y.position(yp);
    }

    private static void rows(float[] w, float[] x, float[] y, int T, int C, int OC, int o0, int o1) {
        for (int t = 0; t < T; t++) {
            int xb = t * C;
            for (int o = o0; o < o1; o++) {
                int wb = o * C;
                float s = 0f;
                for (int i = 0; i < C; i++) s += w[wb + i] * x[xb + i];
                y[t * OC + o] = s;
            }
        }
    }

    private static ForkJoinPool pool;

    private static synchronized ForkJoinPool pool(int threads) {
        if (pool == null || pool.getParallelism() != threads) pool = new ForkJoinPool(threads);
        return pool;
    }
}
