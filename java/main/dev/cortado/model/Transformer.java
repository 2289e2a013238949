package dev.cortado.model;

import dev.cortado.CortadoException;
import dev.cortado.kernels.Kernels;
import dev.cortado.kernels.WeightArena;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * A Llama-family decoder (llama, qwen2) ready to run: weights as native views of the model file,
 * a {@link KvCache} (f16 by default, see {@link KvCacheType}), and activation buffers allocated once for (batch, ctx). {@link #forward} runs
 * any number of tokens at consecutive positions, in chunks of up to {@code batch} tokens
 * (matrix-matrix products for a prompt, matrix-vector for one token), and leaves the logits of the
 * last token — or of every token — in reusable arrays.
 *
 * <p>Per layer: x += Wo·attn(rope(Wq·n(x)), rope(Wk·n(x)), Wv·n(x)); x += Wdown·(silu(Wgate·n(x)) ⊙ Wup·n(x)),
 * n = RMSNorm; then logits = Wout·n(x) (Wout = token_embd when tied). Not thread-safe.
 */
public final class Transformer implements AutoCloseable {
    private final ModelConfig config;
    private final int ctx;
    private final int batch;
    private final boolean halves;
    private final float freqScale;

    // weights
    private final Tensor embedding;
    private final BytePointer embeddingBytes;
    private final long embeddingRowBytes;
    private final FloatPointer outputNorm;
    private final Linear output;
    private WeightArena weights;  // every weight product's bytes (on huge pages), or null
    private final FloatPointer ropeFreqs;  // nullable
    private final Layer[] layers;

    private record Layer(FloatPointer attnNorm, Linear wq, Linear wk, Linear wv, Linear wo,
                         FloatPointer bq, FloatPointer bk, FloatPointer bv,
                         FloatPointer ffnNorm, Linear gate, Linear up, Linear down) {
        /** The layer's seven weight products. */
        java.util.List<Linear> products() {
            return java.util.List.of(wq, wk, wv, wo, gate, up, down);
        }
    }

    private final KvCache cache;
    private final KvCacheType kvType;
    private final DecodeStep decodeStep;  // one native call per decoded token, or null (see DecodeStep)
    private boolean useDecodeStep = DECODE_STEP;

    // activations, (batch, ·) each; kept addressable per buffer (a backward pass would keep one set per layer)
    private final FloatPointer x, xb, xb2, q, att, hb, hb2, logitsBuf;
    private final FloatPointer[] kViews, vViews;  // F32: per-layer cache views, positioned per step (made once)
    private final FloatPointer kNew, vNew;         // F16: the new tokens' K/V (batch, kvDim) before kvStoreF16
    private final FloatPointer xLast, embF32;
    private final IntPointer positions;
    private final int[] positionArray;
    private final float[] embRow;
    private final float[] lastLogits;
    private final RuntimeLora lora;

    /**
     * Builds the engine for a validated model: {@code contextLength} positions of KV cache (at most
     * the model's own, 0 = the model's), prompts processed {@code batch} tokens at a time, keys and
     * values kept in f16 ({@link KvCacheType#F16}, as llama.cpp).
     */
    public Transformer(ModelFile file, int contextLength, int batch) {
        this(file, contextLength, batch, KvCacheType.F16);
    }

    /** Like {@link #Transformer(ModelFile, int, int)} with the KV cache stored as {@code kvType}. */
    public Transformer(ModelFile file, int contextLength, int batch, KvCacheType kvType) {
        this(file, contextLength, batch, kvType, REPACK);
    }

    /** {@code repack}: whether Q4_0 / Q4_K / Q8_0 / Q5_0 / Q6_K weights are repacked at load (see {@link Linear#pack}). */
    Transformer(ModelFile file, int contextLength, int batch, KvCacheType kvType, boolean repack) {
        if (kvType == null) throw new IllegalArgumentException("null KV cache type");
        this.kvType = kvType;
        file.validate();
        this.config = file.config();
        ModelConfig c = config;
        Architecture arch = c.requireSupported(file.path());
        if (contextLength < 0) throw new CortadoException("context length " + contextLength + " must be positive");
        this.ctx = contextLength == 0 ? c.contextLength() : contextLength;
        if (batch < 1) throw new CortadoException("batch size " + batch + " must be positive");
        this.batch = Math.min(batch, ctx);
        this.halves = arch.ggufRopeLayout() == RopeLayout.HALVES;
        if (c.headDim() > 1024) throw CortadoException.inFile(file.path(), "head width " + c.headDim() + " is over 1024");
        RopeScaling rs = c.ropeScaling();
        if (rs != null && rs.type().equals("linear")) {
            if (!(rs.factor() > 0)) throw CortadoException.inFile(file.path(), "linear RoPE scaling factor " + rs.factor() + " must be positive");
            freqScale = 1f / rs.factor();
        } else if (rs != null && !rs.type().equals("llama3")) {
            throw CortadoException.inFile(file.path(), "RoPE scaling '" + rs.type() + "' is not supported by the engine yet (linear, llama3)");
        } else {
            freqScale = 1f;
        }

        embedding = file.require(TensorNames.TOKEN_EMBD);
        if (embedding.type() != TensorType.F32 && !Kernels.canDequantize(embedding.type())) {
            throw CortadoException.inFile(file.path(), "token_embd.weight has type " + embedding.type() + ", which the engine cannot read");
        }
        embeddingBytes = NativeTensor.bytes(embedding);
        embeddingRowBytes = embedding.type().byteSize(c.dim());
        outputNorm = NativeTensor.floats(file.require(TensorNames.OUTPUT_NORM));
        output = new Linear(c.tiedEmbeddings() ? embedding : file.require(TensorNames.OUTPUT));
        Tensor freqs = file.tensor(TensorNames.ROPE_FREQS);
        ropeFreqs = freqs == null ? null : NativeTensor.floats(freqs);
        layers = new Layer[c.nLayers()];
        for (int l = 0; l < layers.length; l++) {
            boolean bias = file.tensor(TensorNames.layerBias(l, "attn_q")) != null;
            layers[l] = new Layer(
                    NativeTensor.floats(file.require(TensorNames.layer(l, "attn_norm"))),
                    linear(file, l, "attn_q"), linear(file, l, "attn_k"), linear(file, l, "attn_v"), linear(file, l, "attn_output"),
                    bias ? NativeTensor.floats(file.require(TensorNames.layerBias(l, "attn_q"))) : null,
                    bias ? NativeTensor.floats(file.require(TensorNames.layerBias(l, "attn_k"))) : null,
                    bias ? NativeTensor.floats(file.require(TensorNames.layerBias(l, "attn_v"))) : null,
                    NativeTensor.floats(file.require(TensorNames.layer(l, "ffn_norm"))),
                    linear(file, l, "ffn_gate"), linear(file, l, "ffn_up"), linear(file, l, "ffn_down"));
        }
        if (repack) placeWeights();

        cache = new KvCache(kvType, c.nLayers(), ctx, c.nKvHeads(), c.headDim());
        int B = this.batch;
        x = new FloatPointer((long) B * c.dim());
        xb = new FloatPointer((long) B * c.dim());
        xb2 = new FloatPointer((long) B * c.dim());
        q = new FloatPointer((long) B * c.qDim());
        att = new FloatPointer((long) B * c.qDim());
        hb = new FloatPointer((long) B * c.ffnDim());
        hb2 = new FloatPointer((long) B * c.ffnDim());
        logitsBuf = new FloatPointer((long) B * c.vocabSize());
        boolean f32 = kvType == KvCacheType.F32;
        kViews = f32 ? new FloatPointer[c.nLayers()] : null;
        vViews = f32 ? new FloatPointer[c.nLayers()] : null;
        for (int l = 0; f32 && l < kViews.length; l++) {
            kViews[l] = new FloatPointer(cache.keys(l));
            vViews[l] = new FloatPointer(cache.values(l));
        }
        kNew = f32 ? null : new FloatPointer((long) B * c.kvDim());
        vNew = f32 ? null : new FloatPointer((long) B * c.kvDim());
        xLast = new FloatPointer(x);
        embF32 = embedding.type() == TensorType.F32 ? NativeTensor.floatView(embeddingBytes, embedding.elementCount()) : null;
        positions = new IntPointer(B);
        positionArray = new int[B];
        embRow = new float[c.dim()];
        lastLogits = new float[c.vocabSize()];
        lora = new RuntimeLora(file, loraTargets());
        java.util.List<DecodeStep.LayerWeights> plan = new java.util.ArrayList<>();
        for (int l = 0; !f32 && l < layers.length; l++) {
            Layer w = layers[l];
            plan.add(new DecodeStep.LayerWeights(w.products().toArray(new Linear[0]),
                    new FloatPointer[]{w.attnNorm(), w.ffnNorm(), w.bq(), w.bk(), w.bv()}, cache.keys16(l), cache.values16(l)));
        }
        decodeStep = f32 ? null : DecodeStep.plan(c, ctx, freqScale, ropeFreqs, halves, plan);
    }

    /**
     * Repacks what packs and puts every weight product's bytes in one {@link WeightArena} on huge pages.
     * Weights that do not pack are copied only while all of it fits in three quarters of the machine's
     * memory: a bigger model keeps them as views of the mapped file, which the OS can page in and out
     * (a copy of a model larger than memory could not be made at all). Without an arena (none could be
     * mapped, or {@code -Dcortado.weightArena=false}) each packed copy is allocated on its own.
     */
    private void placeWeights() {
        long packedBytes = 0, allBytes = 0;
        for (Linear lin : linears()) {
            packedBytes += WeightArena.slot(lin.packedBytes());
            allBytes += WeightArena.slot(lin.arenaBytes());
        }
        boolean moveAll = allBytes <= physicalMemory() / 4 * 3;
        weights = WEIGHT_ARENA ? WeightArena.tryAllocate(moveAll ? allBytes : packedBytes) : null;
        for (Linear lin : linears()) {
            if (weights != null && moveAll) lin.moveInto(weights);
            else lin.pack(weights);
        }
    }

    /** This machine's physical memory in bytes (Long.MAX_VALUE when the JVM cannot tell). */
    private static long physicalMemory() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            long total = sun.getTotalMemorySize();
            if (total > 0) return total;
        }
        return Long.MAX_VALUE;
    }

    /**
     * Whether Q4_0 / Q4_K / Q8_0 / Q5_0 / Q6_K weights are repacked at load into their x8 layouts (see {@link Linear#pack});
     * on unless the system property {@code cortado.repack} is {@code false} (to compare the two paths).
     */
    static final boolean REPACK = !"false".equals(System.getProperty("cortado.repack"));

    /**
     * Whether the weight products' bytes (repacked, or copied as stored when they do not pack) share one
     * {@link WeightArena} on huge pages when weights are repacked; on unless the system property
     * {@code cortado.weightArena} is {@code false} (to compare: then only packed weights are copied, each on its own).
     */
    static final boolean WEIGHT_ARENA = !"false".equals(System.getProperty("cortado.weightArena"));

    /**
     * Whether a decoded token runs as one native call when it can ({@link DecodeStep}); on unless the system
     * property {@code cortado.decodeStep} is {@code false} (to compare the two paths).
     */
    static final boolean DECODE_STEP = !"false".equals(System.getProperty("cortado.decodeStep"));

    /** Turns the one-call decode step on or off (the results are the same bits; for tests and benchmarks). */
    void useDecodeStep(boolean on) {
        useDecodeStep = on;
    }

    /** Whether decoded tokens run as one native call ({@link DecodeStep}) now. */
    boolean decodesInOneCall() {
        return useDecodeStep && decodeStep != null && lora.isEmpty() && (forceDecodeStep || decodeStep.fastOn(Kernels.isa()));
    }

    private boolean forceDecodeStep;

    /** Runs the one-call step even where it would be slow (stored weights on the portable kernels): for tests. */
    void forceDecodeStep(boolean on) {
        forceDecodeStep = on;
    }

    /** Bytes of weights held in the weight arena (0 when there is none). */
    long arenaBytes() {
        return weights == null ? 0 : weights.used();
    }

    /** How many weight products run on repacked weights. */
    int packedWeights() {
        return (int) linears().stream().filter(Linear::isPacked).count();
    }

    /**
     * Every weight product: the output first (the largest: packing holds its old and new bytes at once,
     * so the peak stays near the final size when the biggest goes first), then the layers' seven.
     */
    private java.util.List<Linear> linears() {
        java.util.List<Linear> all = new java.util.ArrayList<>();
        all.add(output);
        for (Layer w : layers) all.addAll(w.products());
        return all;
    }

    /** The products a LoRA adapter may update, by GGUF weight name (not a tied output: that is token_embd). */
    private java.util.Map<String, Linear> loraTargets() {
        java.util.Map<String, Linear> m = new java.util.LinkedHashMap<>();
        for (Layer w : layers) {
            for (Linear l : w.products()) m.put(l.name(), l);
        }
        if (!config.tiedEmbeddings()) m.put(output.name(), output);
        return m;
    }

    private static Linear linear(ModelFile f, int l, String base) {
        return new Linear(f.require(TensorNames.layer(l, base)));
    }

    public ModelConfig config() {
        return config;
    }

    /** Positions the KV cache holds. */
    public int contextLength() {
        return ctx;
    }

    public int batchSize() {
        return batch;
    }

    /** How the KV cache stores keys and values. */
    public KvCacheType kvCacheType() {
        return kvType;
    }

    public int vocabSize() {
        return config.vocabSize();
    }

    /**
     * Runs {@code tokens} at positions {@code startPos, startPos + 1, …} (the cache must hold the
     * positions before) and returns the logits of the last one; the array is reused by the next call.
     */
    public float[] forward(int[] tokens, int startPos) {
        return run(tokens, startPos, null);
    }

    /** Like {@link #forward} but writes the logits of every token into {@code out} (tokens.length × vocab). */
    public void forwardAll(int[] tokens, int startPos, float[] out) {
        if (out.length < (long) tokens.length * vocabSize()) throw new IllegalArgumentException("logits array too small");
        run(tokens, startPos, out);
    }

    private float[] run(int[] tokens, int startPos, float[] all) {
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens");
        if (startPos < 0 || (long) startPos + tokens.length > ctx) {
            throw new CortadoException("positions " + startPos + ".." + (startPos + tokens.length - 1)
                    + " do not fit the context of " + ctx + " tokens");
        }
        for (int t : tokens) {
            if (t < 0 || t >= vocabSize()) throw new CortadoException("token id " + t + " is outside the vocabulary (" + vocabSize() + ")");
        }
        for (int off = 0; off < tokens.length; off += batch) {
            int T = Math.min(batch, tokens.length - off);
            step(tokens, off, T, startPos + off, all != null ? all : null);
            if (all != null) {
                logitsBuf.position(0).get(all, off * vocabSize(), T * vocabSize());
            }
        }
        if (all == null) logitsBuf.position(0).get(lastLogits);
        else System.arraycopy(all, (tokens.length - 1) * vocabSize(), lastLogits, 0, vocabSize());
        return lastLogits;
    }

    /** One chunk of T tokens at positions pos..pos+T-1; logits of every row when {@code allRows}, else of the last. */
    private void step(int[] tokens, int off, int T, int pos, Object allRows) {
        ModelConfig c = config;
        int dim = c.dim();
        embed(tokens, off, T);
        if (T == 1 && decodesInOneCall()) {
            decodeStep.run(x, pos);
        } else {
            layers(T, pos);
        }
        if (allRows != null) {
            Kernels.rmsnorm(xb, null, x, outputNorm, T, dim, c.rmsEps());
            output.forward(xb, logitsBuf, T);
        } else {
            // only the last row's logits are needed
            xLast.position((long) (T - 1) * dim);
            Kernels.rmsnorm(xb, null, xLast, outputNorm, 1, dim, c.rmsEps());
            output.forward(xb, logitsBuf, 1);
        }
    }

    /** Every layer for T tokens at pos..pos+T-1, kernel by kernel: x (T, dim) in, x out. */
    private void layers(int T, int pos) {
        ModelConfig c = config;
        int dim = c.dim(), kvDim = c.kvDim(), H = c.nHeads(), KVH = c.nKvHeads(), D = c.headDim();
        for (int t = 0; t < T; t++) positionArray[t] = pos + t;
        positions.position(0).put(positionArray, 0, T);
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            Kernels.rmsnorm(xb, null, x, w.attnNorm(), T, dim, c.rmsEps());
            // F32: the projections write straight into the cache; F16: into kNew, vNew, then stored
            boolean f32 = kvType == KvCacheType.F32;
            FloatPointer kView = f32 ? kViews[l].position((long) pos * kvDim) : kNew;
            FloatPointer vView = f32 ? vViews[l].position((long) pos * kvDim) : vNew;
            if (fuse(T, w.wq(), w.wk(), w.wv())) {
                Linear.forwardFused(Kernels.Fused.STORE, new Linear[]{w.wq(), w.wk(), w.wv()}, xb, new FloatPointer[]{q, kView, vView}, T);
            } else {
                w.wq().forward(xb, q, T);
                w.wk().forward(xb, kView, T);
                w.wv().forward(xb, vView, T);
            }
            if (w.bq() != null) {
                Kernels.biasAdd(q, w.bq(), T, c.qDim());
                Kernels.biasAdd(kView, w.bk(), T, kvDim);
                Kernels.biasAdd(vView, w.bv(), T, kvDim);
            }
            Kernels.rope(q, positions, T, H, D, c.ropeTheta(), freqScale, ropeFreqs, halves);
            Kernels.rope(kView, positions, T, KVH, D, c.ropeTheta(), freqScale, ropeFreqs, halves);
            if (f32) {
                Kernels.attention(att, null, q, cache.keys(l), cache.values(l), T, pos, H, KVH, D);
            } else {
                Kernels.kvStoreF16(cache.keys16(l), cache.values16(l), kNew, vNew, T, pos, KVH, D, ctx);
                Kernels.attentionF16Kv(att, q, cache.keys16(l), cache.values16(l), T, pos, H, KVH, D, ctx);
            }
            residual(w.wo(), att, T);
            Kernels.rmsnorm(xb, null, x, w.ffnNorm(), T, dim, c.rmsEps());
            if (fuse(T, w.gate(), w.up())) {
                Linear.forwardFused(Kernels.Fused.SWIGLU, new Linear[]{w.gate(), w.up()}, xb, new FloatPointer[]{hb, null}, T);
            } else {
                w.gate().forward(xb, hb, T);
                w.up().forward(xb, hb2, T);
                Kernels.swiglu(hb, hb, hb2, (long) T * c.ffnDim());
            }
            residual(w.down(), hb, T);
        }
    }

    /**
     * Decoding (a few tokens) fuses the products that share an input into one kernel call and one
     * parallel region: per-call overhead dominates a small model's step. Bit-identical to the separate
     * calls, so prompts (large T) and LoRA-updated weights keep the plain path.
     */
    private static boolean fuse(int T, Linear... ls) {
        return T <= 3 && Linear.canFuse(ls);
    }

    /** x += W·in, the residual add fused into the product when decoding. */
    private void residual(Linear w, FloatPointer in, int T) {
        if (fuse(T, w)) {
            Linear.forwardFused(Kernels.Fused.ADD, new Linear[]{w}, in, new FloatPointer[]{x}, T);
        } else {
            w.forward(in, xb2, T);
            Kernels.add(x, x, xb2, (long) T * config.dim());
        }
    }

    /** x (T, dim) = the embedding rows of the tokens (dequantized when the table is quantized). */
    private void embed(int[] tokens, int off, int T) {
        int dim = config.dim();
        for (int t = 0; t < T; t++) {
            long row = tokens[off + t];
            if (embF32 != null) {
                embF32.position(row * dim).get(embRow);
                x.position((long) t * dim).put(embRow);
            } else {
                embeddingBytes.position(row * embeddingRowBytes);
                x.position((long) t * dim);
                Kernels.dequantize(embedding.type(), embeddingBytes, embeddingRowBytes, x, dim, dim);
            }
        }
        embeddingBytes.position(0);
        x.position(0);
    }

    /**
     * Discards cache positions [keep, keep + discard) and moves the later ones down, re-rotating their
     * keys (RoPE angles add up, so rotating by -discard moves a key to its new position).
     * {@code used} is the number of positions filled before the shift.
     */
    public void shiftContext(int keep, int discard, int used) {
        if (keep < 0 || discard <= 0 || keep + discard > used || used > ctx) {
            throw new IllegalArgumentException("bad context shift keep=" + keep + " discard=" + discard + " used=" + used);
        }
        int moved = used - keep - discard;
        if (moved == 0) return;
        cache.move(keep + discard, keep, moved);
        int[] shift = new int[moved];
        java.util.Arrays.fill(shift, -discard);
        try (IntPointer p = new IntPointer(shift)) {
            for (int l = 0; l < layers.length; l++) {
                if (kvType == KvCacheType.F32) {
                    FloatPointer kView = kViews[l].position((long) keep * config.kvDim());
                    Kernels.rope(kView, p, moved, config.nKvHeads(), config.headDim(), config.ropeTheta(), freqScale, ropeFreqs, halves);
                } else {
                    Kernels.kvRopeF16(cache.keys16(l), p, keep, moved, config.nKvHeads(), config.headDim(), ctx,
                            config.ropeTheta(), freqScale, ropeFreqs, halves);
                }
            }
        }
    }

    // ---- LoRA adapters at run time ----
    // Changing adapters changes the weights: the KV cache still holds keys and values computed with the
    // old ones, so callers must re-run the tokens they keep (or start over) before generating on.

    /**
     * Applies {@code adapter} unmerged with {@code factor}: each target's product becomes
     * y = W·x + factor·scale·B·(A·x). The adapter is checked against the model first (a mismatch is a
     * one-line {@link CortadoException} and changes nothing). Returns the adapter's id.
     */
    public int addAdapter(dev.cortado.lora.LoraAdapter adapter, float factor) {
        return lora.add(adapter, factor);
    }

    /** Changes an applied adapter's factor; 0 turns its updates off (the base's outputs exactly). */
    public void setFactor(int id, float factor) {
        lora.setFactor(id, factor);
    }

    /** Removes an applied adapter and frees its native copies. */
    public void removeAdapter(int id) {
        lora.remove(id);
    }

    /** The applied adapters, in the order they were added. */
    public java.util.List<AppliedLora> adapters() {
        return lora.list();
    }

    @Override
    public void close() {
        if (decodeStep != null) decodeStep.close();
        lora.close();
        cache.close();
        for (Linear l : linears()) l.closePacked();
        if (weights != null) weights.close();
        for (FloatPointer p : new FloatPointer[]{x, xb, xb2, q, att, hb, hb2, logitsBuf}) p.close();
        if (kNew != null) {
            kNew.close();
            vNew.close();
        }
    }
}
