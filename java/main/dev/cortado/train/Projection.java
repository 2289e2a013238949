package dev.cortado.train;

import dev.cortado.kernels.Kernels;
import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One weight product y (N, out) = x (N, in) · Wᵀ of the training model, with its backward pass. W is
 * either frozen (any type the matmul kernels take, NF4 included) or trainable F32 with a gradient
 * {@code dw}; a {@link Lora} pair may ride on it: y += s·B·(A·x), s = alpha / rank.
 */
final class Projection {
    final String name;
    final int in, out;
    final TensorType type;
    final Pointer w;
    final long wBytes;
    final FloatPointer dw;  // null: frozen
    Lora lora;              // null: none

    /** A LoRA pair: A (r, in), B (out, r), their gradients, and the scale s. */
    static final class Lora {
        final int rank;
        final float scale;
        final FloatPointer a, b, da, db;

        /** Zeroed factors; their native buffers are added to {@code owner}, which frees them. */
        Lora(int rank, float scale, int in, int out, java.util.List<Pointer> owner) {
            this.rank = rank;
            this.scale = scale;
            a = zeros((long) rank * in);
            b = zeros((long) out * rank);
            da = zeros((long) rank * in);
            db = zeros((long) out * rank);
            owner.addAll(java.util.List.of(a, b, da, db));
        }
    }

    Projection(String name, int in, int out, TensorType type, Pointer w, FloatPointer dw) {
        this.name = name;
        this.in = in;
        this.out = out;
        this.type = type;
        this.w = w;
        this.wBytes = type.byteSize(out, in);
        this.dw = dw;
    }

    static FloatPointer zeros(long n) {
        FloatPointer p = new FloatPointer(Math.max(1, n));
        Kernels.zero(p, Math.max(1, n));
        return p;
    }

    /**
     * y (N, out) = x·Wᵀ (+ s·(A·x)·Bᵀ). {@code h} (N, r) receives s·A·x (kept for the backward pass);
     * {@code u} (N, ≥ out) is scratch.
     */
    void forward(FloatPointer x, FloatPointer y, FloatPointer h, FloatPointer u, int N) {
        Kernels.matmul(type, w, wBytes, x, (long) N * in, y, (long) N * out, N, in, out);
        if (lora == null) return;
        int r = lora.rank;
        Kernels.matmul(TensorType.F32, lora.a, 4L * r * in, x, (long) N * in, h, (long) N * r, N, in, r);  // (N, r)
        Kernels.scale(h, lora.scale, (long) N * r);
        Kernels.matmul(TensorType.F32, lora.b, 4L * out * r, h, (long) N * r, u, (long) N * out, N, r, out);  // (N, out)
        Kernels.add(y, y, u, (long) N * out);
    }

    /**
     * Given dy (N, out): dW += dyᵀ·x (trainable), dB += dyᵀ·h, dA += s·(dy·B)ᵀ·x, and dx (N, in) =
     * (or += when {@code accumulate}) dy·W + s·(dy·B)·A. {@code dh} (N, r) and {@code tmp} (N, ≥ in) are scratch.
     */
    void backward(FloatPointer dy, FloatPointer x, FloatPointer h, FloatPointer dx, boolean accumulate,
                  FloatPointer dh, FloatPointer tmp, int N) {
        if (dw != null) Kernels.matmulBackwardW(dw, dy, x, N, in, out);
        FloatPointer target = accumulate ? tmp : dx;  // matmulBackwardX overwrites
        Kernels.matmulBackwardX(type, w, wBytes, dy, (long) N * out, target, (long) N * in, N, in, out);
        if (accumulate) Kernels.add(dx, dx, tmp, (long) N * in);
        if (lora == null) return;
        int r = lora.rank;
        Kernels.matmulBackwardW(lora.db, dy, h, N, r, out);  // h already holds s·A·x
        Kernels.matmulBackwardX(TensorType.F32, lora.b, 4L * out * r, dy, (long) N * out, dh, (long) N * r, N, r, out);
        Kernels.scale(dh, lora.scale, (long) N * r);  // (N, r): d(A·x)
        Kernels.matmulBackwardW(lora.da, dh, x, N, in, r);
        Kernels.matmulBackwardX(TensorType.F32, lora.a, 4L * r * in, dh, (long) N * r, tmp, (long) N * in, N, in, r);
        Kernels.add(dx, dx, tmp, (long) N * in);
    }
}
