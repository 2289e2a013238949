package dev.cortado.model;

import dev.cortado.kernels.Kernels;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One weight multiplication: y (T, OC) = x (T, C) · Wᵀ with W (OC, C) in its stored type, on the
 * native matmul kernels (dequantizing on the fly). Every matrix product of the engine goes through
 * here, so the kernel behind it changes in one place.
 */
public final class Linear {
    private final String name;
    private final TensorType type;
    private final int outFeatures;
    private final int inFeatures;
    private final BytePointer w;  // the weight's bytes, native (mapped, or copied once)
    private LinearLora lora;      // run-time LoRA updates; null when none

    Linear(Tensor weight) {
        if (weight.rank() != 2) throw new IllegalArgumentException(weight.name() + " is not a matrix");
        this.name = weight.name();
        this.type = weight.type();
        this.outFeatures = Math.toIntExact(weight.dim(0));
        this.inFeatures = Math.toIntExact(weight.dim(1));
        if (!Kernels.canMatmul(type)) {
            throw new dev.cortado.CortadoException("tensor " + name + ": no matmul kernel for type " + type);
        }
        this.w = NativeTensor.bytes(weight);
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
        Kernels.matmul(type, w, w.capacity(), x, x.capacity() - x.position(), y, y.capacity() - y.position(),
                T, inFeatures, outFeatures);
        if (lora != null) lora.apply(x, y, T);
    }

    /**
     * Whether {@link #forwardFused} can run these products: one weight type, one input width, and no
     * LoRA updates (those run after each product; the caller then uses {@link #forward} one by one).
     */
    static boolean canFuse(Linear... ls) {
        for (Linear l : ls) {
            if (l.type != ls[0].type || l.inFeatures != ls[0].inFeatures || (l.lora != null && !l.lora.isEmpty())) return false;
        }
        return true;
    }

    /**
     * The products of up to three weights with the same x, fused into one kernel call (see
     * {@link Kernels#matmulFused}); {@code ys[i]} receives weight i's result from its position
     * (SWIGLU: silu(x·W₀ᵀ) ⊙ x·W₁ᵀ into {@code ys[0]}). Check {@link #canFuse} first.
     */
    static void forwardFused(Kernels.Fused mode, Linear[] ls, FloatPointer x, FloatPointer[] ys, int T) {
        int n = ls.length;
        Pointer[] w = new Pointer[n];
        long[] wBytes = new long[n], yCap = new long[n];
        int[] oc = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = ls[i].w;
            wBytes[i] = ls[i].w.capacity();
            oc[i] = ls[i].outFeatures;
            yCap[i] = ys[i] == null ? 0 : ys[i].capacity() - ys[i].position();
        }
        Kernels.matmulFused(ls[0].type, mode, w, wBytes, oc, x, x.capacity() - x.position(), ys, yCap, T, ls[0].inFeatures);
    }

    /** The run-time LoRA updates of this weight (made on first use). */
    LinearLora lora() {
        if (lora == null) lora = new LinearLora(inFeatures, outFeatures);
        return lora;
    }

    /** Frees the LoRA updates' native memory (the weight itself belongs to the model file). */
    void closeLora() {
        if (lora != null) lora.close();
        lora = null;
    }
}
