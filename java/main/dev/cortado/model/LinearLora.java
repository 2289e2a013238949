package dev.cortado.model;

import dev.cortado.kernels.Kernels;
import dev.cortado.lora.LoraAdapter;
import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.FloatPointer;

import java.util.ArrayList;
import java.util.List;

/**
 * The run-time LoRA updates of one {@link Linear}: after {@code y = x·Wᵀ}, each update adds
 * {@code s · (x·Aᵀ)·Bᵀ} with {@code s = scale · factor}, i.e. y = W·x + s·B·(A·x) per row, on the F32
 * matmul kernel. A and B are copied once into native memory; s is folded into the native copy of B
 * (rewritten when the factor changes), so applying costs two small products and one add. An update
 * whose s is 0 is skipped entirely, which leaves y exactly the base's.
 */
final class LinearLora implements AutoCloseable {
    private static final class Update {
        final int id;
        final LoraAdapter.Pair pair;
        final int rank;
        final FloatPointer a;       // [r, in]
        final FloatPointer bScaled; // [out, r] times s
        double coef;

        Update(int id, LoraAdapter.Pair pair, double coef) {
            this.id = id;
            this.pair = pair;
            this.rank = pair.rank();
            this.a = new FloatPointer(pair.a().toFloats());
            this.bScaled = new FloatPointer(pair.b().elementCount());
            setCoef(coef);
        }

        void setCoef(double c) {
            coef = c;
            float[] b = pair.b().toFloats();
            for (int i = 0; i < b.length; i++) b[i] = (float) (b[i] * c);
            bScaled.position(0).put(b);
        }
    }

    private final int in;
    private final int out;
    private final List<Update> updates = new ArrayList<>();
    private FloatPointer t;  // (T, r) scratch, grown on demand
    private FloatPointer u;  // (T, out) scratch

    LinearLora(int in, int out) {
        this.in = in;
        this.out = out;
    }

    boolean isEmpty() {
        return updates.isEmpty();
    }

    /** Adds adapter {@code id}'s pair with the total coefficient {@code coef} (scale × factor). */
    void add(int id, LoraAdapter.Pair pair, double coef) {
        if (pair.in() != in || pair.out() != out) throw new IllegalArgumentException("LoRA pair does not fit a [" + out + ", " + in + "] weight");
        updates.add(new Update(id, pair, coef));
    }

    void setCoef(int id, double coef) {
        for (Update up : updates) if (up.id == id) up.setCoef(coef);
    }

    void remove(int id) {
        updates.removeIf(up -> {
            if (up.id != id) return false;
            up.a.close();
            up.bScaled.close();
            return true;
        });
    }

    /** y (T, out) += Σ s·(x·Aᵀ)·Bᵀ, x and y read from their current positions. */
    void apply(FloatPointer x, FloatPointer y, int T) {
        for (Update up : updates) {
            if (up.coef == 0) continue;
            int r = up.rank;
            t = grow(t, (long) T * r);
            u = grow(u, (long) T * out);
            Kernels.matmul(TensorType.F32, up.a, 4L * r * in, x, x.capacity() - x.position(), t, t.capacity(), T, in, r);
            Kernels.matmul(TensorType.F32, up.bScaled, 4L * out * r, t, t.capacity(), u, u.capacity(), T, r, out);
            Kernels.add(y, y, u, (long) T * out);
        }
    }

    private static FloatPointer grow(FloatPointer p, long floats) {
        if (p != null && p.capacity() >= floats) return p;
        if (p != null) p.close();
        return new FloatPointer(Math.max(floats, 1));
    }

    @Override
    public void close() {
        for (Update up : updates) {
            up.a.close();
            up.bScaled.close();
        }
        updates.clear();
        if (t != null) t.close();
        if (u != null) u.close();
        t = u = null;
    }
}
