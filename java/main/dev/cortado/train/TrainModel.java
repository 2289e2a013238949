package dev.cortado.train;

import dev.cortado.CortadoException;
import dev.cortado.kernels.Kernels;
import dev.cortado.lora.LoraAdapter;
import dev.cortado.model.Architecture;
import dev.cortado.model.ModelConfig;
import dev.cortado.model.ModelFile;
import dev.cortado.model.RopeLayout;
import dev.cortado.model.RopeScaling;
import dev.cortado.model.TensorNames;
import dev.cortado.tensor.Codecs;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The training model of a Llama-family decoder (llama, qwen2), llm.c style: the same weights, kernels,
 * RoPE layout and Qwen2 biases as {@link dev.cortado.model.Transformer}, run on a micro-batch of
 * (B rows × T tokens) as N = B·T matrix rows, with every activation the backward pass needs kept in
 * one arena allocated once. Two flavours: LoRA factors trainable over a frozen base ({@link #lora}),
 * or every weight trainable as F32 ({@link #full}).
 *
 * <p>Per layer: x' = x + Wo·attn(rope(Wq·n₁(x)), rope(Wk·n₁(x)), Wv·n₁(x)); out = x' + Wdown·(silu(Wgate·n₂(x')) ⊙ Wup·n₂(x')).
 * The backward pass runs the same steps in reverse. With {@code recompute} only each layer's input
 * is kept and the layer's forward is run again inside the backward pass (gradient checkpointing):
 * the same kernels on the same inputs, so the gradients are bit-identical.
 *
 * <p>The model file must stay open while this model lives (frozen weights are views of its mapping).
 * Not thread-safe; the kernels use {@link Kernels#threads()} threads and give the same result for the
 * same thread count.
 */
public final class TrainModel implements TrainableModel {
    private static final String[] WEIGHTS = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
    private static final int Q = 0, K = 1, V = 2, O = 3, GATE = 4, UP = 5, DOWN = 6;

    private final ModelConfig c;
    private final int rowsMax, T, C, QD, KVD, F, H, KVH, D, vocab;
    private final float eps, theta, freqScale;
    private final boolean halves, bias, full, recompute;
    private final LoraSpec spec;  // null in full mode

    // ---- weights ----
    private final TensorType embType;
    private final Pointer emb;             // (V, C) in embType
    private final long embRowBytes;
    private final FloatPointer embGrad;    // full mode
    private final FloatPointer outNorm, dOutNorm;
    private final Projection output;       // lm head (token_embd when tied)
    private final FloatPointer ropeFreqs;  // nullable
    private final Layer[] layers;
    private final List<Parameter> params = new ArrayList<>();
    private final List<Pointer> owned = new ArrayList<>();
    private long baseBytes, baseBytesF32;
    private final List<String> nf4Names = new ArrayList<>();

    private static final class Layer {
        FloatPointer attnNorm, dAttnNorm, ffnNorm, dFfnNorm;
        FloatPointer bq, bk, bv, dbq, dbk, dbv;  // qwen2 only
        final Projection[] p = new Projection[7];
    }

    // ---- activations: one arena ----
    /** What one layer's backward pass reads. */
    private record Acts(FloatPointer ln1, FloatPointer rstd1, FloatPointer q, FloatPointer k, FloatPointer v,
                        FloatPointer att, FloatPointer lse, FloatPointer xmid, FloatPointer ln2, FloatPointer rstd2,
                        FloatPointer gate, FloatPointer up, FloatPointer hb, FloatPointer[] h) {}

    private final Arena arena;
    private final FloatPointer[] xs;  // layer inputs (N, C); xs[L] = the last layer's output
    private final Acts[] acts;        // one per layer, or a single shared one when recomputing
    private final FloatPointer lnf, rstdf, logits, losses;
    private final FloatPointer dres, dln, dq, dk, dv, datt, dhb, dgate, dup, tmp, u, dh;
    private final IntPointer tokens, targets, positions;
    private final FloatPointer mask;
    private final Arena.View[] views = new Arena.View[9];
    private final Arena.View embSrc = new Arena.View(), embDst = new Arena.View();

    /** LoRA factors trainable over a frozen base; see the class comment and {@link LoraSpec}. */
    public static TrainModel lora(ModelFile base, LoraSpec spec, int batchRows, int seqLen, long seed, boolean recompute) {
        if (spec == null) throw new IllegalArgumentException("no LoRA spec");
        return new TrainModel(base, spec, batchRows, seqLen, seed, recompute);
    }

    /** Every weight trainable as F32 (embeddings, norms, projections, untied output, biases). */
    public static TrainModel full(ModelFile init, int batchRows, int seqLen, boolean recompute) {
        return new TrainModel(init, null, batchRows, seqLen, 0, recompute);
    }

    private TrainModel(ModelFile file, LoraSpec spec, int batchRows, int seqLen, long seed, boolean recompute) {
        file.validate();
        this.c = file.config();
        Architecture arch = c.requireSupported(file.path());
        if (batchRows < 1 || seqLen < 1) throw new CortadoException("batch " + batchRows + " × " + seqLen + " tokens must be positive");
        if (seqLen > c.contextLength() && c.contextLength() > 0) {
            throw new CortadoException("sequence length " + seqLen + " is over the model's context of " + c.contextLength());
        }
        this.spec = spec;
        this.full = spec == null;
        this.recompute = recompute;
        this.rowsMax = batchRows;
        this.T = seqLen;
        C = c.dim();
        QD = c.qDim();
        KVD = c.kvDim();
        F = c.ffnDim();
        H = c.nHeads();
        KVH = c.nKvHeads();
        D = c.headDim();
        vocab = c.vocabSize();
        eps = c.rmsEps();
        theta = c.ropeTheta();
        halves = arch.ggufRopeLayout() == RopeLayout.HALVES;
        bias = arch.qkvBias();
        RopeScaling rs = c.ropeScaling();
        if (rs != null && rs.type().equals("linear")) {
            if (!(rs.factor() > 0)) throw CortadoException.inFile(file.path(), "linear RoPE scaling factor " + rs.factor() + " must be positive");
            freqScale = 1f / rs.factor();
        } else if (rs != null && !rs.type().equals("llama3")) {
            throw CortadoException.inFile(file.path(), "RoPE scaling '" + rs.type() + "' is not supported for training (linear, llama3)");
        } else {
            freqScale = 1f;
        }
        if (D > 1024 || D % 2 != 0) throw CortadoException.inFile(file.path(), "head width " + D + " must be even and at most 1024");
        Map<String, Integer> wanted = spec == null ? Map.of() : targets(spec);
        try {
            // ---- weights ----
            Tensor e = file.require(TensorNames.TOKEN_EMBD);
            if (full) {
                FloatPointer ev = trainable(e, true);
                embType = TensorType.F32;
                emb = ev;
                embGrad = params.get(params.size() - 1).grad();
            } else {
                embGrad = null;
                baseBytesF32 += 4 * e.elementCount();
                if (spec.qlora()) {  // for a small model the embedding is a large share of the base (SmolLM2-135M: 21%)
                    embType = TensorType.NF4;
                    emb = nf4(file, e);
                } else {
                    if (e.type() != TensorType.F32 && !Kernels.canDequantize(e.type())) {
                        throw CortadoException.inFile(file.path(), "token_embd.weight has type " + e.type() + ", which the training kernels cannot read");
                    }
                    embType = e.type();
                    emb = frozenBytes(e);
                    baseBytes += e.byteSize();
                }
            }
            embRowBytes = embType.byteSize(C);
            layers = new Layer[c.nLayers()];
            for (int l = 0; l < layers.length; l++) {
                Layer w = new Layer();
                layers[l] = w;
                w.attnNorm = norm(file.require(TensorNames.layer(l, "attn_norm")));
                w.dAttnNorm = lastGrad();
                for (int i = 0; i < 3; i++) w.p[i] = projection(file, l, i, spec, wanted, seed);
                if (bias) {
                    w.bq = norm(file.require(TensorNames.layerBias(l, "attn_q")));
                    w.dbq = lastGrad();
                    w.bk = norm(file.require(TensorNames.layerBias(l, "attn_k")));
                    w.dbk = lastGrad();
                    w.bv = norm(file.require(TensorNames.layerBias(l, "attn_v")));
                    w.dbv = lastGrad();
                }
                w.p[O] = projection(file, l, O, spec, wanted, seed);
                w.ffnNorm = norm(file.require(TensorNames.layer(l, "ffn_norm")));
                w.dFfnNorm = lastGrad();
                for (int i = GATE; i <= DOWN; i++) w.p[i] = projection(file, l, i, spec, wanted, seed);
            }
            outNorm = norm(file.require(TensorNames.OUTPUT_NORM));
            dOutNorm = lastGrad();
            if (c.tiedEmbeddings()) {
                output = new Projection(TensorNames.TOKEN_EMBD, C, vocab, embType, emb, embGrad);
            } else {
                Tensor o = file.require(TensorNames.OUTPUT);
                output = full ? new Projection(o.name(), C, vocab, TensorType.F32, trainable(o, true), lastGrad())
                        : frozenProjection(file, o, spec.qlora());
            }
            Tensor freqs = file.tensor(TensorNames.ROPE_FREQS);
            ropeFreqs = freqs == null ? null : own(new FloatPointer(freqs.toFloats()));
            if (spec != null) initLora(seed);

            // ---- activations ----
            Arena counting = Arena.counting();
            allocate(counting);
            this.arena = Arena.of(counting.used());
        } catch (RuntimeException ex) {
            closeOwned();
            throw ex;
        }
        Arena a = arena;
        int N = rowsMax * T, L = layers.length;
        xs = new FloatPointer[L + 1];
        for (int l = 0; l <= L; l++) xs[l] = a.take((long) N * C);
        acts = new Acts[recompute ? 1 : L];
        for (int l = 0; l < acts.length; l++) acts[l] = acts(a, recompute ? -1 : l);
        lnf = a.take((long) N * C);
        rstdf = a.take(N);
        logits = a.take((long) N * vocab);
        losses = a.take(N);
        int wide = Math.max(Math.max(C, QD), Math.max(KVD, F));
        dres = a.take((long) N * C);
        dln = a.take((long) N * C);
        dq = a.take((long) N * QD);
        dk = a.take((long) N * KVD);
        dv = a.take((long) N * KVD);
        datt = a.take((long) N * QD);
        dhb = a.take((long) N * F);
        dgate = a.take((long) N * F);
        dup = a.take((long) N * F);
        tmp = a.take((long) N * wide);
        u = a.take((long) N * wide);
        dh = a.take((long) N * Math.max(1, spec == null ? 1 : spec.rank()));
        mask = a.take(N);
        tokens = own(new IntPointer(N));
        targets = own(new IntPointer(N));
        positions = own(new IntPointer(N));
        int[] pos = new int[N];
        for (int n = 0; n < N; n++) pos[n] = n % T;
        positions.put(pos);
        for (int i = 0; i < views.length; i++) views[i] = new Arena.View();
    }

    /** The same sequence of takes as the constructor, for sizing the arena. */
    private void allocate(Arena a) {
        int N = rowsMax * T, L = layers.length;
        for (int l = 0; l <= L; l++) a.take((long) N * C);
        for (int l = 0; l < (recompute ? 1 : L); l++) acts(a, recompute ? -1 : l);
        int wide = Math.max(Math.max(C, QD), Math.max(KVD, F));
        a.take((long) N * C);
        a.take(N);
        a.take((long) N * vocab);
        a.take(N);
        for (long n : new long[] {C, C, QD, KVD, KVD, QD, F, F, F, wide, wide, Math.max(1, spec == null ? 1 : spec.rank())}) a.take(N * n);
        a.take(N);
    }

    /** One layer's activation buffers ({@code layer} -1: the shared set used when recomputing). */
    private Acts acts(Arena a, int layer) {
        int N = rowsMax * T;
        FloatPointer[] h = new FloatPointer[7];
        for (int i = 0; i < 7; i++) {
            boolean any = false;
            for (Layer w : layers) any |= w.p[i].lora != null;
            if (any) h[i] = a.take((long) N * spec.rank());
        }
        return new Acts(a.take((long) N * C), a.take(N), a.take((long) N * QD), a.take((long) N * KVD), a.take((long) N * KVD),
                a.take((long) N * QD), a.take((long) N * H), a.take((long) N * C), a.take((long) N * C), a.take(N),
                a.take((long) N * F), a.take((long) N * F), a.take((long) N * F), h);
    }

    // ---- construction helpers ----

    private static Map<String, Integer> targets(LoraSpec spec) {
        if (spec.targets().isEmpty()) throw new CortadoException("no LoRA targets given (any of " + String.join(", ", LoraSpec.ALL) + ")");
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String t : spec.targets()) {
            int i = LoraSpec.ALL.indexOf(t);
            if (i < 0) throw new CortadoException("unknown LoRA target '" + t + "' (known: " + String.join(", ", LoraSpec.ALL) + ")");
            m.put(t, i);
        }
        if (spec.rank() < 1) throw new CortadoException("LoRA rank " + spec.rank() + " must be positive");
        if (!(spec.alpha() > 0) || !Float.isFinite(spec.alpha())) throw new CortadoException("LoRA alpha " + spec.alpha() + " must be positive");
        return m;
    }

    private Projection projection(ModelFile file, int l, int i, LoraSpec spec, Map<String, Integer> wanted, long seed) {
        Tensor t = file.require(TensorNames.layer(l, WEIGHTS[i]));
        if (full) return new Projection(t.name(), (int) t.dim(1), (int) t.dim(0), TensorType.F32, trainable(t, true), lastGrad());
        Projection p = frozenProjection(file, t, spec.qlora());
        if (wanted.containsValue(i)) {
            int r = spec.rank();
            if (r > Math.min(p.in, p.out)) {
                throw CortadoException.inFile(file.path(), "LoRA rank " + r + " is larger than " + t.name() + " allows (min(in, out) = "
                        + Math.min(p.in, p.out) + ")");
            }
            p.lora = new Projection.Lora(r, spec.alpha() / r, p.in, p.out, owned);
        }
        return p;
    }

    private Projection frozenProjection(ModelFile file, Tensor t, boolean nf4) {
        int in = (int) t.dim(1), out = (int) t.dim(0);
        baseBytesF32 += 4 * t.elementCount();
        if (nf4) return new Projection(t.name(), in, out, TensorType.NF4, nf4(file, t), null);
        if (!Kernels.canMatmul(t.type())) {
            throw CortadoException.inFile(file.path(), "tensor " + t.name() + " has type " + t.type() + ", which the training kernels cannot multiply");
        }
        baseBytes += t.byteSize();
        return new Projection(t.name(), in, out, t.type(), frozenBytes(t), null);
    }

    /**
     * A (rows, in) matrix re-held natively as NF4 rows (QLoRA), quantized a slice of rows at a time so
     * the heap never holds more than a slice as floats; counted in {@link #baseBytes} and {@link #nf4Names}.
     */
    private BytePointer nf4(ModelFile file, Tensor t) {
        int in = (int) t.dim(1), rows = (int) t.dim(0);
        if (in % 64 != 0) throw CortadoException.inFile(file.path(), "QLoRA needs rows of a multiple of 64, but " + t.name() + " has rows of " + in);
        if (t.type().codec() == null) throw CortadoException.inFile(file.path(), "tensor " + t.name() + " has type " + t.type() + ", which Cortado cannot read");
        long srcRow = t.type().rowBytes(in), dstRow = TensorType.NF4.rowBytes(in);
        BytePointer p = own(new BytePointer(Math.multiplyExact(rows, dstRow)));
        int slice = (int) Math.max(1, Math.min(rows, (8L << 20) / (4L * in)));  // 8 MB of floats
        for (int r0 = 0; r0 < rows; r0 += slice) {
            int n = Math.min(slice, rows - r0);
            float[] f = Codecs.dequantizeRows(t.type(), t.bytes(r0 * srcRow, Math.toIntExact(n * srcRow)), 0, n, in);
            ByteBuffer dst = p.position(r0 * dstRow).limit(r0 * dstRow + n * dstRow).asBuffer();
            Codecs.quantizeRows(TensorType.NF4, f, 0, n, in, dst, 0);
        }
        p.position(0).limit(p.capacity());
        baseBytes += p.capacity();
        nf4Names.add(t.name());
        return p;
    }

    /** The tensor's bytes natively: a view of the mapping, or a copy of a heap tensor. */
    private BytePointer frozenBytes(Tensor t) {
        if (t.isMapped()) return new ByteView(t.address(), t.byteSize());
        byte[] b = new byte[Math.toIntExact(t.byteSize())];
        t.bytes().get(b);
        return own(new BytePointer(b.length)).put(b);
    }

    /** A norm weight or bias: F32 natively; trainable (with a gradient) in full mode. */
    private FloatPointer norm(Tensor t) {
        if (full) return trainable(t, false);
        baseBytes += 4 * t.elementCount();
        baseBytesF32 += 4 * t.elementCount();
        return own(new FloatPointer(t.toFloats()));
    }

    /** A full-mode parameter: F32 copy of {@code t} plus a zeroed gradient, registered under t's name. */
    private FloatPointer trainable(Tensor t, boolean decay) {
        if (t.type().codec() == null) throw new CortadoException("tensor " + t.name() + " has type " + t.type() + ", which Cortado cannot read");
        FloatPointer v = own(new FloatPointer(t.toFloats()));
        FloatPointer g = own(Projection.zeros(t.elementCount()));
        params.add(new Parameter(t.name(), t.shape().clone(), v, g, decay));
        return v;
    }

    private FloatPointer lastGrad() {
        return full ? params.get(params.size() - 1).grad() : null;
    }

    private <P extends Pointer> P own(P p) {
        owned.add(p);
        return p;
    }

    /** A = U(±1/√in) (PEFT's kaiming-uniform with a = √5), B = 0; registers the factors as parameters. */
    private void initLora(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Layer w : layers) {
            for (Projection p : w.p) {
                if (p.lora == null) continue;
                int r = p.lora.rank;
                float[] a = new float[r * p.in];
                double bound = 1 / Math.sqrt(p.in);
                for (int i = 0; i < a.length; i++) a[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
                p.lora.a.put(a);
                params.add(new Parameter(p.name + ".lora_a", new long[] {r, p.in}, p.lora.a, p.lora.da, true));
                params.add(new Parameter(p.name + ".lora_b", new long[] {p.out, r}, p.lora.b, p.lora.db, true));
            }
        }
    }

    // ---- TrainableModel ----

    @Override
    public List<Parameter> parameters() {
        return Collections.unmodifiableList(params);
    }

    @Override
    public int batchRows() {
        return rowsMax;
    }

    @Override
    public int seqLen() {
        return T;
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public LossSum forwardBackward(Batch batch, float gradScale) {
        int N = load(batch);
        forward(N);
        double sum = Kernels.crossEntropy(losses, logits, targets, mask, N, vocab, gradScale);  // logits := dlogits
        backward(N);
        return new LossSum(sum, batch.maskedTokens());
    }

    @Override
    public LossSum loss(Batch batch) {
        int N = load(batch);
        forward(N);
        double sum = Kernels.crossEntropy(losses, logits, targets, mask, N, vocab, 0f);
        return new LossSum(sum, batch.maskedTokens());
    }

    /** Copies the batch into the native inputs; returns N = rows × T. */
    private int load(Batch b) {
        if (b.seqLen() != T || b.rows() > rowsMax) {
            throw new IllegalArgumentException("batch of " + b.rows() + " × " + b.seqLen() + " tokens does not fit the model's "
                    + rowsMax + " × " + T);
        }
        int N = b.rows() * T;
        for (int i = 0; i < N; i++) {
            if (b.inputs()[i] < 0 || b.inputs()[i] >= vocab) throw new CortadoException("token id " + b.inputs()[i] + " is outside the vocabulary (" + vocab + ")");
            if (b.targets()[i] < 0 || b.targets()[i] >= vocab) throw new CortadoException("target id " + b.targets()[i] + " is outside the vocabulary (" + vocab + ")");
        }
        tokens.position(0).put(b.inputs(), 0, N);
        targets.position(0).put(b.targets(), 0, N);
        mask.position(0).put(b.mask(), 0, N);
        return N;
    }

    // ---- forward ----

    private void forward(int N) {
        embed(N);
        for (int l = 0; l < layers.length; l++) layerForward(l, acts[recompute ? 0 : l], N);
        Kernels.rmsnorm(lnf, rstdf, xs[layers.length], outNorm, N, C, eps);
        output.forward(lnf, logits, null, u, N);  // (N, V)
    }

    /** xs[0] (N, C) = the embedding rows of the tokens. */
    private void embed(int N) {
        for (int n = 0; n < N; n++) {
            long row = tokens.get(n);
            embDst.set(xs[0], (long) n * C, C);
            if (embType == TensorType.F32) {
                Pointer.memcpy(embDst, embSrc.at(emb.address() + 4 * row * C, C), 4L * C);
            } else {
                emb.position(row * embRowBytes);
                Kernels.dequantize(embType, emb, embRowBytes, embDst, C, C);
                emb.position(0);
            }
        }
    }

    private void layerForward(int l, Acts a, int N) {
        Layer w = layers[l];
        FloatPointer x = xs[l];
        FloatPointer[] h = a.h();
        Kernels.rmsnorm(a.ln1(), a.rstd1(), x, w.attnNorm, N, C, eps);  // (N, C)
        w.p[Q].forward(a.ln1(), a.q(), h[Q], u, N);  // (N, QD)
        w.p[K].forward(a.ln1(), a.k(), h[K], u, N);  // (N, KVD)
        w.p[V].forward(a.ln1(), a.v(), h[V], u, N);  // (N, KVD)
        if (bias) {
            Kernels.biasAdd(a.q(), w.bq, N, QD);
            Kernels.biasAdd(a.k(), w.bk, N, KVD);
            Kernels.biasAdd(a.v(), w.bv, N, KVD);
        }
        Kernels.rope(a.q(), positions, N, H, D, theta, freqScale, ropeFreqs, halves);
        Kernels.rope(a.k(), positions, N, KVH, D, theta, freqScale, ropeFreqs, halves);
        for (int r = 0; r < N / T; r++) {  // causal attention within each sequence, positions 0..T-1
            Kernels.attention(row(0, a.att(), r, QD), row(1, a.lse(), r, H), row(2, a.q(), r, QD),
                    row(3, a.k(), r, KVD), row(4, a.v(), r, KVD), T, 0, H, KVH, D);  // (T, H, D)
        }
        w.p[O].forward(a.att(), tmp, h[O], u, N);  // (N, C)
        Kernels.add(a.xmid(), x, tmp, (long) N * C);
        Kernels.rmsnorm(a.ln2(), a.rstd2(), a.xmid(), w.ffnNorm, N, C, eps);
        w.p[GATE].forward(a.ln2(), a.gate(), h[GATE], u, N);  // (N, F)
        w.p[UP].forward(a.ln2(), a.up(), h[UP], u, N);        // (N, F)
        Kernels.swiglu(a.hb(), a.gate(), a.up(), (long) N * F);
        w.p[DOWN].forward(a.hb(), tmp, h[DOWN], u, N);        // (N, C)
        Kernels.add(xs[l + 1], a.xmid(), tmp, (long) N * C);
    }

    /** View {@code slot} set to sequence {@code r}'s rows (T, width) of {@code buf}. */
    private FloatPointer row(int slot, FloatPointer buf, int r, int width) {
        return views[slot].set(buf, (long) r * T * width, (long) T * width);
    }

    // ---- backward ----

    /** Runs after the loss wrote d(loss)/d(logits) into {@code logits}; adds into every gradient. */
    private void backward(int N) {
        output.backward(logits, lnf, null, dln, false, dh, tmp, N);  // dln (N, C) = dlogits · Wout; dWout += dlogitsᵀ · lnf
        Kernels.zero(dres, (long) N * C);
        Kernels.rmsnormBackward(dres, dOutNorm, dln, xs[layers.length], outNorm, rstdf, N, C);  // dres = d xs[L]
        for (int l = layers.length - 1; l >= 0; l--) {
            Acts a = acts[recompute ? 0 : l];
            if (recompute) layerForward(l, a, N);
            layerBackward(l, a, N);  // dres: d xs[l+1] -> d xs[l]
        }
        if (full) Kernels.embeddingBackward(embGrad, dres, tokens, N, C, vocab);
    }

    private void layerBackward(int l, Acts a, int N) {
        Layer w = layers[l];
        FloatPointer[] h = a.h();
        // ffn: out = xmid + Wdown·swiglu(Wgate·ln2, Wup·ln2)
        w.p[DOWN].backward(dres, a.hb(), h[DOWN], dhb, false, dh, tmp, N);  // (N, F)
        Kernels.swigluBackward(dgate, dup, dhb, a.gate(), a.up(), (long) N * F);
        w.p[GATE].backward(dgate, a.ln2(), h[GATE], dln, false, dh, tmp, N);  // (N, C)
        w.p[UP].backward(dup, a.ln2(), h[UP], dln, true, dh, tmp, N);
        Kernels.rmsnormBackward(dres, w.dFfnNorm, dln, a.xmid(), w.ffnNorm, a.rstd2(), N, C);  // dres = d xmid
        // attention: xmid = x + Wo·attn(q, k, v)
        w.p[O].backward(dres, a.att(), h[O], datt, false, dh, tmp, N);  // (N, QD)
        for (int r = 0; r < N / T; r++) {
            Kernels.attentionBackward(row(5, dq, r, QD), row(6, dk, r, KVD), row(7, dv, r, KVD), row(8, datt, r, QD),
                    row(2, a.q(), r, QD), row(3, a.k(), r, KVD), row(4, a.v(), r, KVD), row(0, a.att(), r, QD),
                    row(1, a.lse(), r, H), T, H, KVH, D);
        }
        Kernels.ropeBackward(dq, positions, N, H, D, theta, freqScale, ropeFreqs, halves);
        Kernels.ropeBackward(dk, positions, N, KVH, D, theta, freqScale, ropeFreqs, halves);
        if (bias && full) {
            Kernels.biasBackward(w.dbq, dq, N, QD);
            Kernels.biasBackward(w.dbk, dk, N, KVD);
            Kernels.biasBackward(w.dbv, dv, N, KVD);
        }
        w.p[Q].backward(dq, a.ln1(), h[Q], dln, false, dh, tmp, N);  // (N, C)
        w.p[K].backward(dk, a.ln1(), h[K], dln, true, dh, tmp, N);
        w.p[V].backward(dv, a.ln1(), h[V], dln, true, dh, tmp, N);
        Kernels.rmsnormBackward(dres, w.dAttnNorm, dln, xs[l], w.attnNorm, a.rstd1(), N, C);  // dres = d x
    }

    // ---- adapters ----

    /** Sets the LoRA factors from {@code adapter} (same targets and rank, same alpha/rank scale). */
    public void loadAdapter(LoraAdapter adapter) {
        if (full) throw new CortadoException("a full-training model has no LoRA factors to load");
        Map<String, LoraAdapter.Pair> pairs = adapter.tensors();
        int count = 0;
        for (Layer w : layers) {
            for (Projection p : w.p) {
                if (p.lora == null) continue;
                LoraAdapter.Pair pair = pairs.get(p.name);
                if (pair == null) throw new CortadoException("adapter has no LoRA pair for " + p.name + ", which this model trains");
                if (pair.rank() != p.lora.rank || pair.in() != p.in || pair.out() != p.out) {
                    throw new CortadoException("adapter pair for " + p.name + " has A " + Arrays.toString(pair.a().shape()) + " and B "
                            + Arrays.toString(pair.b().shape()) + ", but the model trains rank " + p.lora.rank + " on [" + p.out + ", " + p.in + "]");
                }
                double s = adapter.scale(pair);
                if (Math.abs(s - p.lora.scale) > 1e-6 * Math.abs(s)) {
                    throw new CortadoException("adapter scale " + s + " (alpha / rank) differs from the model's " + p.lora.scale);
                }
                p.lora.a.position(0).put(pair.a().toFloats());
                p.lora.b.position(0).put(pair.b().toFloats());
                count++;
            }
        }
        if (count != pairs.size()) throw new CortadoException("adapter has " + pairs.size() + " pairs but the model trains " + count);
    }

    /** The current LoRA factors as an adapter in GGUF layout (F32 heap tensors). */
    public LoraAdapter adapter() {
        if (full) throw new CortadoException("a full-training model has no LoRA factors");
        Map<String, LoraAdapter.Pair> m = new LinkedHashMap<>();
        for (Layer w : layers) {
            for (Projection p : w.p) {
                if (p.lora == null) continue;
                int r = p.lora.rank;
                float[] a = new float[r * p.in], b = new float[p.out * r];
                p.lora.a.position(0).get(a);
                p.lora.b.position(0).get(b);
                m.put(p.name, new LoraAdapter.Pair(Tensor.ofFloats(p.name + ".lora_a", TensorType.F32, new long[] {r, p.in}, a),
                        Tensor.ofFloats(p.name + ".lora_b", TensorType.F32, new long[] {p.out, r}, b)));
            }
        }
        return new LoraAdapter(null, m, spec.alpha(), false, false, c.architecture(), c.nHeads(), c.nKvHeads(), null, TensorType.F32);
    }

    /** Bytes of the frozen base held now (projections and embeddings as stored or NF4, norms F32); 0 in full mode. */
    public long baseBytes() {
        return baseBytes;
    }

    /** The frozen base tensors held as NF4 (QLoRA: token_embd, an untied output and every projection), in model order. */
    public List<String> nf4Names() {
        return Collections.unmodifiableList(nf4Names);
    }

    /** What the frozen base would take as F32. */
    public long baseBytesF32() {
        return baseBytesF32;
    }

    @Override
    public void close() {
        closeOwned();
        arena.close();
    }

    private void closeOwned() {
        for (Pointer p : owned) if (p != null) p.close();
        owned.clear();
    }

    /** A view of mapped memory owned by the model file. */
    private static final class ByteView extends BytePointer {
        ByteView(long address, long length) {
            this.address = address;
            this.capacity = length;
            this.limit = length;
        }
    }
}
