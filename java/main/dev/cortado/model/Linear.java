package dev.cortado.model;

import dev.cortado.kernels.Kernels;
import dev.cortado.kernels.PackedWeights;
import dev.cortado.kernels.WeightArena;
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
    private BytePointer w;        // the weight's bytes, native (mapped, or copied once; or packed)
    private PackedWeights.Layout packed;  // w's packed layout, or null: the stored bytes
    private boolean ownsPacked;   // the packed bytes are this object's own (else an arena's)
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
        long xCap = x.capacity() - x.position(), yCap = y.capacity() - y.position();
        if (packed != null) PackedWeights.matmul(packed, w, w.capacity(), x, xCap, y, yCap, T, inFeatures, outFeatures);
        else Kernels.matmul(type, w, w.capacity(), x, xCap, y, yCap, T, inFeatures, outFeatures);
        if (lora != null) lora.apply(x, y, T);
    }

    /** The bytes {@link #pack} needs for this weight's packed copy, or 0 when it does not pack. */
    long packedBytes() {
        PackedWeights.Layout layout = PackedWeights.Layout.of(type);
        if (packed != null || layout == null || !layout.canPack(inFeatures, outFeatures)) return 0;
        return layout.byteSize(outFeatures, inFeatures);
    }

    /**
     * Repacks a Q4_0, Q4_K, Q8_0, Q5_0 or Q6_K weight whose rows come in 8s into its x8 layout (one AVX2 vector = 8 rows:
     * decoding reads it ~1.3-2x faster; see {@link PackedWeights}) in native memory of about the same
     * size, and hands the original's pages back (a mapped file's pages leave the resident set; a copy
     * is freed), so the model still costs its file size. The copy goes into {@code arena} (sized with
     * {@link #packedBytes}) or, when that is null, into memory of its own. Returns whether it packed.
     * For inference: nothing else may read the old bytes through this weight.
     */
    boolean pack(WeightArena arena) {
        long bytes = packedBytes();
        if (bytes == 0) return false;
        PackedWeights.Layout layout = PackedWeights.Layout.of(type);
        BytePointer out;
        if (arena != null) {
            out = arena.slice(bytes);
        } else {
            try {
                out = new BytePointer(bytes);
            } catch (OutOfMemoryError e) {  // no room for the copy: keep multiplying the stored layout
                return false;
            }
        }
        PackedWeights.repack(layout, w, w.capacity(), out, out.capacity(), inFeatures, outFeatures);
        NativeTensor.release(w);
        w = out;
        packed = layout;
        ownsPacked = arena == null;
        return true;
    }

    /** The bytes this weight takes in a {@link WeightArena}: its packed copy's, or else its stored bytes'. */
    long arenaBytes() {
        long p = packedBytes();
        return p > 0 ? p : packed != null ? 0 : w.capacity();
    }

    /**
     * Repacks the weight into {@code arena} ({@link #pack}), or, when it does not pack (f32, f16, bf16,
     * Q4_1, Q5_1, Q5_K, odd shapes), copies its stored bytes there unchanged and hands the original's
     * pages back: every weight a token streams is then on the arena's huge pages. Returns whether it moved.
     */
    boolean moveInto(WeightArena arena) {
        if (pack(arena)) return true;
        if (packed != null || arena == null) return false;
        long bytes = w.capacity();
        BytePointer out = arena.slice(bytes);
        Pointer.memcpy(out, w, bytes);
        NativeTensor.release(w);
        w = out;
        return true;
    }

    boolean isPacked() {
        return packed != null;
    }

    /** The packed layout, or null when the weight keeps its stored bytes. */
    PackedWeights.Layout packedLayout() {
        return packed;
    }

    /** The weight's native bytes (packed or stored; see {@link #packedLayout}). */
    BytePointer bytes() {
        return w;
    }

    /**
     * Whether {@link #forwardFused} can run these products: one weight type, one input width, and no
     * LoRA updates (those run after each product; the caller then uses {@link #forward} one by one).
     */
    static boolean canFuse(Linear... ls) {
        for (Linear l : ls) {
            if (l.type != ls[0].type || l.packed != ls[0].packed || l.inFeatures != ls[0].inFeatures
                    || (l.lora != null && !l.lora.isEmpty())) return false;
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
        long xCap = x.capacity() - x.position();
        if (ls[0].packed != null) PackedWeights.matmulFused(ls[0].packed, mode, w, wBytes, oc, x, xCap, ys, yCap, T, ls[0].inFeatures);
        else Kernels.matmulFused(ls[0].type, mode, w, wBytes, oc, x, xCap, ys, yCap, T, ls[0].inFeatures);
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

    /** Frees a packed weight that is not in an arena (the only copy this class owns). */
    void closePacked() {
        if (packed != null && ownsPacked) w.close();
    }
}
