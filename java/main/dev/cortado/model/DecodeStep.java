package dev.cortado.model;

import dev.cortado.kernels.CpuKernels;
import dev.cortado.kernels.Kernels;
import dev.cortado.kernels.PackedWeights;
import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.ShortPointer;

import java.util.List;

/**
 * One decoded token through every layer as one native call ({@code decode_layers_forward_f16kv},
 * native/cpu/decode_step.cpp): the threads stay in one parallel region for the whole step instead of
 * forking and joining ~10 times per layer, and Java makes one call instead of ~300. Bit-identical to
 * {@link Transformer}'s kernel-by-kernel path, which it replaces only where it applies: an f16 KV cache;
 * every product packed ({@link Linear#pack}), of a stored block type with int8 dots (q4_1, q5_1, q5_k,
 * and the packable types where a matrix does not pack) or of a float type (f32, f16, bf16); the query,
 * key and value weights may differ, as a Q4_K_M file's do, and cost a barrier per extra layout; gate and
 * up in one layout; and, checked per step by the caller ({@link #fastOn}), no LoRA adapter applied and,
 * when a block type is stored, the AVX2 kernels in use (the portable build has no shared int8 products
 * for those and would run them on one thread).
 *
 * <p>The weights, norms, biases and caches are checked here once, when the plan is built; a step checks
 * its position. The native side trusts both.
 */
final class DecodeStep implements AutoCloseable {
    /** One layer's inputs: products wq wk wv wo gate up down; vectors attn_norm ffn_norm bq bk bv (biases nullable). */
    record LayerWeights(Linear[] products, FloatPointer[] vectors, ShortPointer keys, ShortPointer values) {}

    private final int layers;
    private final ModelConfig c;
    private final int ctx;
    private final float freqScale;
    private final FloatPointer ropeFreqs;
    private final boolean neox;
    private final PointerPointer<Pointer> weights, vectors, caches;
    private final IntPointer layouts;
    private boolean stored;  // some product of a block type in its stored layout

    private DecodeStep(ModelConfig c, int ctx, float freqScale, FloatPointer ropeFreqs, boolean neox, List<LayerWeights> ls) {
        this.c = c;
        this.ctx = ctx;
        this.freqScale = freqScale;
        this.ropeFreqs = ropeFreqs;
        this.neox = neox;
        this.layers = ls.size();
        weights = new PointerPointer<>(7L * layers);
        vectors = new PointerPointer<>(5L * layers);
        caches = new PointerPointer<>(2L * layers);
        layouts = new IntPointer(6L * layers);
        for (int l = 0; l < layers; l++) {
            LayerWeights lw = ls.get(l);
            for (int i = 0; i < 7; i++) weights.put(7L * l + i, lw.products()[i].bytes());
            for (int i = 0; i < 5; i++) vectors.put(5L * l + i, lw.vectors()[i]);  // a null bias stays NULL
            caches.put(2L * l, lw.keys());
            caches.put(2L * l + 1, lw.values());
            Linear[] p = lw.products();
            int[] products = {0, 1, 2, 3, 4, 6};  // wq wk wv wo (gate, up) down
            for (int i = 0; i < products.length; i++) layouts.put(6L * l + i, code(p[products[i]]));
            for (Linear x : p) stored |= x.packedLayout() == null && STORED_TYPES.contains(x.type());
        }
    }

    /** The stored block types the step multiplies (by their int8 dots on AVX2, on one thread on the portable build). */
    private static final java.util.Set<TensorType> STORED_TYPES = java.util.EnumSet.of(TensorType.Q4_0, TensorType.Q4_1,
            TensorType.Q5_0, TensorType.Q5_1, TensorType.Q8_0, TensorType.Q4_K, TensorType.Q5_K, TensorType.Q6_K);
    /** The float types the step multiplies (4-row tiles shared by the threads on both builds). */
    private static final java.util.Set<TensorType> FLOAT_TYPES = java.util.EnumSet.of(TensorType.F32, TensorType.F16, TensorType.BF16);
    private static final int STORED = 100;  // kernels.h: 100 + the GGML type id of a stored matrix

    /** A product's code for the native plan: its packed layout, or STORED + its type's GGML id; -1 when neither. */
    private static int code(Linear l) {
        if (l.packedLayout() != null) return l.packedLayout().ordinal();
        return STORED_TYPES.contains(l.type()) || FLOAT_TYPES.contains(l.type()) ? STORED + l.type().ggmlId() : -1;
    }

    /** Whether the step runs at full speed with the kernels' instruction set {@code isa} (see the class comment). */
    boolean fastOn(String isa) {
        return !stored || isa.equals("avx2");
    }

    /**
     * The plan for these layers, or null when the step does not apply (a product neither packed nor of a
     * stored block type, the gate and up weights in different layouts, a head width over
     * 1024 or odd). Throws when a
     * weight, vector or cache is smaller than the config says (a bug, not a user error: the model file was
     * validated before).
     */
    static DecodeStep plan(ModelConfig c, int ctx, float freqScale, FloatPointer ropeFreqs, boolean neox, List<LayerWeights> ls) {
        int dim = c.dim(), qDim = c.qDim(), kvDim = c.kvDim(), ffn = c.ffnDim(), D = c.headDim();
        if (ls.isEmpty() || D % 2 != 0 || D > 1024 || (long) c.nHeads() * D != qDim || (long) c.nKvHeads() * D != kvDim) return null;
        for (LayerWeights lw : ls) {
            Linear[] p = lw.products();
            for (Linear l : p) if (code(l) < 0) return null;
            if (code(p[5]) != code(p[4])) return null;  // gate and up go through SwiGLU together
            int[][] shapes = {{qDim, dim}, {kvDim, dim}, {kvDim, dim}, {dim, qDim}, {ffn, dim}, {ffn, dim}, {dim, ffn}};
            for (int i = 0; i < 7; i++) {
                Linear l = p[i];
                if (l.outFeatures() != shapes[i][0] || l.inFeatures() != shapes[i][1]) {
                    throw new IllegalArgumentException("decode step: " + l.name() + " is " + l.outFeatures() + " x "
                            + l.inFeatures() + ", expected " + shapes[i][0] + " x " + shapes[i][1]);
                }
                PackedWeights.Layout layout = l.packedLayout();
                long bytes = layout != null ? layout.byteSize(l.outFeatures(), l.inFeatures())
                        : l.type().byteSize(l.outFeatures(), l.inFeatures());
                Kernels.checkRange("decode step: " + l.name() + " bytes", 0, bytes, l.bytes().capacity());
                atStart(l.name(), l.bytes());
            }
            FloatPointer[] v = lw.vectors();
            need("attn_norm", v[0], dim);
            need("ffn_norm", v[1], dim);
            boolean bias = v[2] != null;
            if ((v[3] != null) != bias || (v[4] != null) != bias) throw new IllegalArgumentException("decode step: q, k, v biases must come together");
            if (bias) {
                need("bq", v[2], qDim);
                need("bk", v[3], kvDim);
                need("bv", v[4], kvDim);
            }
            long cache = (long) ctx * kvDim;
            for (ShortPointer s : new ShortPointer[]{lw.keys(), lw.values()}) {
                if (s == null || s.isNull()) throw new IllegalArgumentException("decode step: missing f16 cache");
                Kernels.checkRange("decode step: KV cache", 0, cache, s.capacity());
                atStart("KV cache", s);
            }
        }
        if (ropeFreqs != null) need("rope_freqs", ropeFreqs, D / 2);
        return new DecodeStep(c, ctx, freqScale, ropeFreqs, neox, ls);
    }

    private static void need(String what, FloatPointer p, long floats) {
        if (p == null || p.isNull()) throw new IllegalArgumentException("decode step: " + what + " is missing");
        Kernels.checkRange("decode step: " + what, 0, floats, p.capacity());
        atStart(what, p);
    }

    /** The plan stores addresses: every pointer must sit at its start, where its capacity was checked. */
    private static void atStart(String what, Pointer p) {
        if (p.position() != 0) throw new IllegalArgumentException("decode step: " + what + " is not at position 0");
    }

    /** x (dim) = the residual stream of one token at position pos after every layer (its K and V stored at pos). */
    void run(FloatPointer x, int pos) {
        if (pos < 0 || pos >= ctx) throw new IndexOutOfBoundsException("decode step: position " + pos + " outside the context of " + ctx);
        if (x.position() != 0) throw new IllegalArgumentException("decode step: x must be at position 0");
        Kernels.checkRange("decode step: x", 0, c.dim(), x.capacity());
        CpuKernels.decode_layers_forward_f16kv(x, layers, weights, layouts, vectors, caches, c.dim(), c.nHeads(), c.nKvHeads(),
                c.headDim(), c.ffnDim(), ctx, pos, c.rmsEps(), c.ropeTheta(), freqScale, ropeFreqs, neox ? 1 : 0,
                threads());
    }

    /**
     * One thread when a layer's products are smaller than the kernels' grain for a second thread (2^18
     * weights each, as matmul_x8.cpp's GRAIN; stories260K: ~50k): there the ~7 barriers per layer cost
     * more than the work they share, as the kernel-by-kernel path's per-kernel thread counts already say.
     */
    private int threads() {
        long d = c.dim(), perLayer = d * (c.qDim() + 2L * c.kvDim()) + (long) c.qDim() * d + 3L * d * c.ffnDim();
        return perLayer < 2L << 18 ? 1 : Kernels.threads();
    }

    @Override
    public void close() {
        weights.close();
        vectors.close();
        caches.close();
        layouts.close();
    }
}
