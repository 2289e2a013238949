package dev.cortado.kernels;

import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;

import java.util.Locale;

/**
 * The checked front of the CPU kernels: sizes and bounds are validated here, in Java, before any
 * native call. Callers outside this package use these methods, not {@link CpuKernels} directly.
 */
public final class Kernels {
    private static volatile int defaultThreads = 0;

    private Kernels() {}

    /** Loads the native library (idempotent); fails with a clear message when it cannot. */
    public static void load() {
        try {
            CpuKernels.cortado_cpu_isa();
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new IllegalStateException("cannot load Cortado's native CPU library: " + e.getMessage(), e);
        }
    }

    /** Threads the kernels use by default: {@code --threads}, else every core the OS reports. */
    public static int threads() {
        int t = defaultThreads;
        return t > 0 ? t : CpuKernels.cortado_cpu_threads();
    }

    public static void setThreads(int threads) {
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0 (0 = all cores): " + threads);
        defaultThreads = threads;
    }

    /** The instruction set the kernels use now: "avx2" or "generic". */
    public static String isa() {
        return isaName(CpuKernels.cortado_cpu_isa());
    }

    public static String bestIsa() {
        return isaName(CpuKernels.cortado_cpu_best_isa());
    }

    /** Forces "avx2" or "generic" (for tests and benchmarks); returns the ISA in force afterwards. */
    public static String setIsa(String name) {
        int id = switch (name.toLowerCase(Locale.ROOT)) {
            case "avx2" -> CpuKernels.ISA_AVX2;
            case "generic" -> CpuKernels.ISA_GENERIC;
            default -> throw new IllegalArgumentException("unknown ISA " + name + " (avx2|generic)");
        };
        return isaName(CpuKernels.cortado_cpu_set_isa(id));
    }

    private static String isaName(int id) {
        return id == CpuKernels.ISA_AVX2 ? "avx2" : "generic";
    }

    /** Whether {@link #dequantize} has a native kernel for {@code type}. */
    public static boolean canDequantize(TensorType type) {
        return switch (type) {
            case F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, NF4 -> true;
            default -> false;
        };
    }

    /** {@link #dequantize(TensorType, Pointer, long, FloatPointer, long, long, int)} on {@link #threads()} threads. */
    public static void dequantize(TensorType type, Pointer src, long srcBytes, FloatPointer dst, long dstCapacity, long n) {
        dequantize(type, src, srcBytes, dst, dstCapacity, n, threads());
    }

    /**
     * Dequantizes {@code n} elements of {@code type} (GGML block layout) at {@code src} into
     * {@code dst[0..n)}, float-for-float as ggml's {@code dequantize_row_<type>} and the Java codecs.
     * {@code srcBytes} / {@code dstCapacity} are what the caller owns there (bytes / floats); they
     * and the pointers' own capacities, when known, are checked before the native call. For
     * {@link TensorType#NF4} the {@code n} elements are ONE row (its layout; see {@link #dequantizeRows}).
     */
    public static void dequantize(TensorType type, Pointer src, long srcBytes, FloatPointer dst, long dstCapacity,
                                  long n, int threads) {
        if (!canDequantize(type)) throw new IllegalArgumentException("no native dequantize kernel for " + type);
        if (src == null || src.isNull() || dst == null || dst.isNull()) throw new IllegalArgumentException("dequantize " + type + ": null pointer");
        if (n < 0 || n % type.blockSize() != 0) {
            throw new IllegalArgumentException("dequantize " + type + ": " + n + " elements is not a multiple of the block size " + type.blockSize());
        }
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1: " + threads);
        long bytes = type.byteSize(n);
        checkRange("dequantize " + type + " source bytes", 0, bytes, srcBytes);
        checkRange("dequantize " + type + " destination floats", 0, n, dstCapacity);
        if (src.capacity() > 0) checkRange("dequantize " + type + " source pointer", 0, bytes, (src.capacity() - src.position()) * src.sizeof());
        if (dst.capacity() > 0) checkRange("dequantize " + type + " destination pointer", 0, n, dst.capacity() - dst.position());
        if (n == 0) return;
        switch (type) {
            case F16 -> CpuKernels.convert_f16_to_f32(src, dst, n, threads);
            case BF16 -> CpuKernels.convert_bf16_to_f32(src, dst, n, threads);
            case Q8_0 -> CpuKernels.dequantize_q8_0(src, dst, n, threads);
            case Q4_0 -> CpuKernels.dequantize_q4_0(src, dst, n, threads);
            case Q4_1 -> CpuKernels.dequantize_q4_1(src, dst, n, threads);
            case Q5_0 -> CpuKernels.dequantize_q5_0(src, dst, n, threads);
            case Q5_1 -> CpuKernels.dequantize_q5_1(src, dst, n, threads);
            case Q4_K -> CpuKernels.dequantize_q4_k(src, dst, n, threads);
            case Q5_K -> CpuKernels.dequantize_q5_k(src, dst, n, threads);
            case Q6_K -> CpuKernels.dequantize_q6_k(src, dst, n, threads);
            case NF4 -> CpuKernels.dequantize_nf4(src, dst, 1, n, threads);
            default -> throw new AssertionError(type);
        }
    }

    // ---- transformer ops ----------------------------------------------------------------------
    // Every pointer must know its capacity (allocated by JavaCPP, or a view copied from one and
    // positioned): the floats from its position to its capacity are what the kernel may touch.

    /** out (T, C) = x / rms(x) * w (C); rstd (T) receives 1/rms per row (nullable). out may be x. */
    public static void rmsnorm(FloatPointer out, FloatPointer rstd, FloatPointer x, FloatPointer w, int T, int C, float eps) {
        String op = "rmsnorm";
        dims(op, T, C);
        long n = (long) T * C;
        need(op, "out", out, n);
        need(op, "x", x, n);
        need(op, "w", w, C);
        if (rstd != null) need(op, "rstd", rstd, T);
        if (!(eps >= 0) || !Float.isFinite(eps)) throw new IllegalArgumentException(op + ": eps " + eps);
        if (n > 0) CpuKernels.rmsnorm_forward_f32(out, rstd, x, w, T, C, eps, threads());
    }

    /** out (T, C) = (x - mean) * rstd * w + b; b, mean (T), rstd (T) nullable. out may be x. */
    public static void layernorm(FloatPointer out, FloatPointer mean, FloatPointer rstd, FloatPointer x, FloatPointer w,
                                 FloatPointer b, int T, int C, float eps) {
        String op = "layernorm";
        dims(op, T, C);
        long n = (long) T * C;
        need(op, "out", out, n);
        need(op, "x", x, n);
        need(op, "w", w, C);
        if (b != null) need(op, "b", b, C);
        if (mean != null) need(op, "mean", mean, T);
        if (rstd != null) need(op, "rstd", rstd, T);
        if (!(eps >= 0) || !Float.isFinite(eps)) throw new IllegalArgumentException(op + ": eps " + eps);
        if (n > 0) CpuKernels.layernorm_forward_f32(out, mean, rstd, x, w, b, T, C, eps, threads());
    }

    /**
     * RoPE in place on x (T, H, D); token t at position pos[t] (>= 0). {@code freqScale} multiplies every
     * angle (1/factor for linear scaling); {@code freqFactors} (D/2, nullable) divide pair i's frequency
     * (Llama 3 rope_freqs). {@code halves}: pairs (i, i + D/2) (rotate_half, qwen2) instead of (2i, 2i+1).
     */
    public static void rope(FloatPointer x, IntPointer pos, int T, int H, int D, float theta, float freqScale,
                            FloatPointer freqFactors, boolean halves) {
        checkRope("rope", x, pos, T, H, D, theta, freqScale, freqFactors);
        if ((long) T * H * D > 0) CpuKernels.rope_forward_f32(x, pos, T, H, D, theta, freqScale, freqFactors, halves ? 1 : 0, threads());
    }

    /**
     * Causal grouped-query attention of T new tokens at positions pos .. pos+T-1 against one layer's
     * KV cache k, v laid out (ctx, KVH, D) and holding positions [0, pos+T): out (T, H, D) from q (T, H, D);
     * lse (T, H) receives each row's log-sum-exp (nullable).
     */
    public static void attention(FloatPointer out, FloatPointer lse, FloatPointer q, FloatPointer k, FloatPointer v,
                                 int T, int pos, int H, int KVH, int D) {
        String op = "attention";
        dims(op, T, H, KVH, D);
        if (pos < 0) throw new IllegalArgumentException(op + ": position " + pos);
        if (KVH == 0 || H % KVH != 0) throw new IllegalArgumentException(op + ": " + KVH + " KV heads do not divide " + H + " heads");
        long rows = (long) T * H * D;
        need(op, "out", out, rows);
        need(op, "q", q, rows);
        long cache = ((long) pos + T) * KVH * D;
        need(op, "k", k, cache);
        need(op, "v", v, cache);
        if (lse != null) need(op, "lse", lse, (long) T * H);
        if (rows > 0) CpuKernels.attention_forward_f32(out, lse, q, k, v, T, pos, H, KVH, D, threads());
    }

    // ---- the f16 KV cache: one layer's kc, vc (KVH, ctx, D) f16, head-major, keys after RoPE ----
    // Bad arguments are IllegalArgumentExceptions: a native read past a buffer would kill the JVM.

    /** k, v (T, KVH, D) f32 → kc, vc (KVH, ctx, D) f16 at positions pos .. pos+T-1 (round to nearest even). */
    public static void kvStoreF16(ShortPointer kc, ShortPointer vc, FloatPointer k, FloatPointer v, int T, int pos, int KVH,
                                  int D, int ctx) {
        String op = "kvStoreF16";
        checkKvF16(op, kc, vc, T, pos, KVH, D, ctx);
        long rows = (long) T * KVH * D;
        needArg(op, "k", k, rows);
        needArg(op, "v", v, rows);
        if (rows > 0) CpuKernels.kv_store_f16(kc, vc, k, v, T, pos, KVH, D, ctx, threads());
    }

    /**
     * Causal grouped-query attention of T new tokens at positions pos .. pos+T-1 (token t sees keys
     * [0, pos+t]) against one layer's f16 cache kc, vc (KVH, ctx, D) holding positions [0, pos+T):
     * out (T, H, D) from q (T, H, D), scale 1/sqrt(D), query head h reading KV head h / (H / KVH).
     * Decoding (T ≤ 3) gives the same bits for any thread count.
     */
    public static void attentionF16Kv(FloatPointer out, FloatPointer q, ShortPointer kc, ShortPointer vc, int T, int pos,
                                      int H, int KVH, int D, int ctx) {
        String op = "attentionF16Kv";
        checkKvF16(op, kc, vc, T, pos, KVH, D, ctx);
        if (H < 1 || H % KVH != 0) throw new IllegalArgumentException(op + ": " + KVH + " KV heads do not divide " + H + " heads");
        long rows = (long) T * H * D;
        needArg(op, "out", out, rows);
        needArg(op, "q", q, rows);
        if (rows > 0) CpuKernels.attention_forward_f16kv(out, q, kc, vc, T, pos, H, KVH, D, ctx, threads());
    }

    /**
     * Rotates the cached keys at positions [start, start+count) of every KV head in place, position
     * start + i by the RoPE angle of position pos[i] (a context shift passes -discard for each; RoPE
     * angles add), as {@link #rope} would on f32 keys, rounded back to f16.
     */
    public static void kvRopeF16(ShortPointer kc, IntPointer pos, int start, int count, int KVH, int D, int ctx, float theta,
                                 float freqScale, FloatPointer freqFactors, boolean halves) {
        String op = "kvRopeF16";
        checkKvF16(op, kc, kc, count, start, KVH, D, ctx);
        if (D % 2 != 0 || D > 1024) throw new IllegalArgumentException(op + ": head width " + D + " must be even and <= 1024");
        if (!(theta > 0) || !Float.isFinite(theta) || !Float.isFinite(freqScale)) {
            throw new IllegalArgumentException(op + ": theta " + theta + ", freqScale " + freqScale);
        }
        needArg(op, "positions", pos, count);
        if (freqFactors != null) needArg(op, "freqFactors", freqFactors, D / 2);
        if ((long) count * KVH * D > 0) {
            CpuKernels.kv_rope_f16(kc, pos, start, count, KVH, D, ctx, theta, freqScale, freqFactors, halves ? 1 : 0, threads());
        }
    }

    /** The checks every f16-cache op shares: sizes, pos + T <= ctx, and kc, vc holding KVH * ctx * D halves. */
    private static void checkKvF16(String op, ShortPointer kc, ShortPointer vc, int T, int pos, int KVH, int D, int ctx) {
        if (T < 0 || pos < 0 || KVH < 1 || D < 1 || ctx < 1) {
            throw new IllegalArgumentException(op + ": bad sizes T=" + T + " pos=" + pos + " KVH=" + KVH + " D=" + D + " ctx=" + ctx);
        }
        if ((long) pos + T > ctx) throw new IllegalArgumentException(op + ": positions " + pos + ".." + ((long) pos + T - 1) + " do not fit ctx " + ctx);
        long cache = (long) KVH * ctx * D;
        needArg(op, "kc", kc, cache);
        needArg(op, "vc", vc, cache);
    }

    /** Throws IllegalArgumentException unless p is non-null, knows its capacity and holds n elements from its position. */
    private static void needArg(String op, String name, Pointer p, long n) {
        if (p == null || p.isNull()) throw new IllegalArgumentException(op + ": " + name + " is null");
        if (p.capacity() <= 0) throw new IllegalArgumentException(op + ": " + name + " has no known capacity");
        long avail = p.capacity() - p.position();
        if (p.position() < 0 || avail < n) throw new IllegalArgumentException(op + ": " + name + " holds " + avail + " elements, needs " + n);
    }

    /** out (n) = silu(gate) * up; out may be gate or up. */
    public static void swiglu(FloatPointer out, FloatPointer gate, FloatPointer up, long n) {
        String op = "swiglu";
        dims(op, n);
        need(op, "out", out, n);
        need(op, "gate", gate, n);
        need(op, "up", up, n);
        if (n > 0) CpuKernels.swiglu_forward_f32(out, gate, up, n, threads());
    }

    /** out (T, V) = row-wise softmax of x; out may be x. */
    public static void softmax(FloatPointer out, FloatPointer x, int T, int V) {
        String op = "softmax";
        dims(op, T, V);
        need(op, "out", out, (long) T * V);
        need(op, "x", x, (long) T * V);
        if ((long) T * V > 0) CpuKernels.softmax_forward_f32(out, x, T, V, threads());
    }

    /** out (n) = a + b; out may be a or b. */
    public static void add(FloatPointer out, FloatPointer a, FloatPointer b, long n) {
        String op = "add";
        dims(op, n);
        need(op, "out", out, n);
        need(op, "a", a, n);
        need(op, "b", b, n);
        if (n > 0) CpuKernels.add_f32(out, a, b, n, threads());
    }

    /** y (T, C) += b (C). */
    public static void biasAdd(FloatPointer y, FloatPointer b, int T, int C) {
        String op = "biasAdd";
        dims(op, T, C);
        need(op, "y", y, (long) T * C);
        need(op, "b", b, C);
        if ((long) T * C > 0) CpuKernels.bias_add_forward_f32(y, b, T, C, threads());
    }

    // ---- training: backward twins, loss, optimizer ----------------------------------------------
    // Deterministic: each output element has one owner thread and a fixed order of summation, so a
    // run repeats bit for bit (for any thread count). "+=" fronts accumulate into their output.

    /** dw (OC, C) += dy (T, OC)ᵀ · x (T, C)   — weight gradient of y = x·Wᵀ (LoRA dA, dB; full training dW). */
    public static void matmulBackwardW(FloatPointer dw, FloatPointer dy, FloatPointer x, int T, int C, int OC) {
        String op = "matmulBackwardW";
        dims(op, T, C, OC);
        need(op, "dw", dw, (long) OC * C);
        need(op, "dy", dy, (long) T * OC);
        need(op, "x", x, (long) T * C);
        if ((long) T * C * OC > 0) CpuKernels.matmul_backward_w_f32(dw, dy, x, T, C, OC, threads());
    }

    /**
     * dx (T, C) += d/dx of rmsnorm; dw (C) += d/dw (dw nullable: frozen norm). rstd (T) as saved by rmsnorm.
     * dout, x (T, C), w (C); dx must not share memory with the inputs.
     */
    public static void rmsnormBackward(FloatPointer dx, FloatPointer dw, FloatPointer dout, FloatPointer x,
                                       FloatPointer w, FloatPointer rstd, int T, int C) {
        String op = "rmsnormBackward";
        dims(op, T, C);
        long n = (long) T * C;
        need(op, "dx", dx, n);
        if (dw != null) need(op, "dw", dw, C);
        need(op, "dout", dout, n);
        need(op, "x", x, n);
        need(op, "w", w, C);
        need(op, "rstd", rstd, T);
        if (n > 0) CpuKernels.rmsnorm_backward_f32(dx, dw, dout, x, w, rstd, T, C, threads());
    }

    /** d (T, H, D) in place: the gradient through rope (the inverse rotation), same arguments as {@link #rope}. */
    public static void ropeBackward(FloatPointer d, IntPointer pos, int T, int H, int D, float theta, float freqScale,
                                    FloatPointer freqFactors, boolean halves) {
        String op = "ropeBackward";
        checkRope(op, d, pos, T, H, D, theta, freqScale, freqFactors);
        if ((long) T * H * D > 0) CpuKernels.rope_backward_f32(d, pos, T, H, D, theta, freqScale, freqFactors, halves ? 1 : 0, threads());
    }

    /**
     * Causal GQA attention backward for one sequence of T tokens at positions 0..T-1 (training):
     * q (T, H, D), k, v (T, KVH, D), out (T, H, D) and lse (T, H) as attention(...) with pos 0 wrote them,
     * dout (T, H, D). Writes (overwrites) dq (T, H, D), dk (T, KVH, D), dv (T, KVH, D).
     */
    public static void attentionBackward(FloatPointer dq, FloatPointer dk, FloatPointer dv, FloatPointer dout,
                                         FloatPointer q, FloatPointer k, FloatPointer v, FloatPointer out,
                                         FloatPointer lse, int T, int H, int KVH, int D) {
        String op = "attentionBackward";
        dims(op, T, H, KVH, D);
        if (KVH == 0 || H % KVH != 0) throw new IllegalArgumentException(op + ": " + KVH + " KV heads do not divide " + H + " heads");
        long rows = (long) T * H * D, kv = (long) T * KVH * D;
        need(op, "dq", dq, rows);
        need(op, "dk", dk, kv);
        need(op, "dv", dv, kv);
        need(op, "dout", dout, rows);
        need(op, "q", q, rows);
        need(op, "k", k, kv);
        need(op, "v", v, kv);
        need(op, "out", out, rows);
        need(op, "lse", lse, (long) T * H);
        if (rows > 0) CpuKernels.attention_backward_f32(dq, dk, dv, dout, q, k, v, out, lse, T, H, KVH, D, threads());
    }

    /** dgate, dup (n) = gradients of out = silu(gate) * up (overwritten; dgate may be dout or gate, dup may be dout or up). */
    public static void swigluBackward(FloatPointer dgate, FloatPointer dup, FloatPointer dout, FloatPointer gate,
                                      FloatPointer up, long n) {
        String op = "swigluBackward";
        dims(op, n);
        need(op, "dgate", dgate, n);
        need(op, "dup", dup, n);
        need(op, "dout", dout, n);
        need(op, "gate", gate, n);
        need(op, "up", up, n);
        if (n > 0) CpuKernels.swiglu_backward_f32(dgate, dup, dout, gate, up, n, threads());
    }

    /** dtable (V, C): row tokens[t] += dout row t, for t < T (tokens checked in [0, V)). */
    public static void embeddingBackward(FloatPointer dtable, FloatPointer dout, IntPointer tokens, int T, int C, int V) {
        String op = "embeddingBackward";
        dims(op, T, C, V);
        need(op, "dtable", dtable, (long) V * C);
        need(op, "dout", dout, (long) T * C);
        int[] ids = ints(op, "tokens", tokens, T);
        for (int t = 0; t < T; t++) {
            if (ids[t] < 0 || ids[t] >= V) throw new IndexOutOfBoundsException(op + ": token " + ids[t] + " at " + t + " outside [0, " + V + ")");
        }
        if ((long) T * C > 0) CpuKernels.embedding_backward_f32(dtable, dout, tokens, T, C, V, threads());
    }

    /** db (C) += Σ_t dy (T, C)  (Qwen2 Q/K/V biases). */
    public static void biasBackward(FloatPointer db, FloatPointer dy, int T, int C) {
        String op = "biasBackward";
        dims(op, T, C);
        need(op, "db", db, C);
        need(op, "dy", dy, (long) T * C);
        if ((long) T * C > 0) CpuKernels.bias_backward_f32(db, dy, T, C, threads());
    }

    /**
     * Softmax cross-entropy fused with a loss mask. losses (T) = mask[t] > 0 ? -log softmax(logits[t])[targets[t]] : 0;
     * logits (T, V) is replaced by its gradient (softmax - onehot(target)) * mask[t] * gradScale (rows with
     * mask 0 become 0). Returns Σ losses as a double. targets checked in [0, V) on the rows with mask > 0
     * (masked rows may hold any target, e.g. -100); mask null means every row counts with weight 1.
     */
    public static double crossEntropy(FloatPointer losses, FloatPointer logits, IntPointer targets, FloatPointer mask,
                                      int T, int V, float gradScale) {
        String op = "crossEntropy";
        dims(op, T, V);
        if (V == 0 && T > 0) throw new IllegalArgumentException(op + ": empty vocabulary");
        if (!Float.isFinite(gradScale)) throw new IllegalArgumentException(op + ": gradScale " + gradScale);
        need(op, "losses", losses, T);
        need(op, "logits", logits, (long) T * V);
        int[] ys = ints(op, "targets", targets, T);
        float[] ms = null;
        if (mask != null) {
            need(op, "mask", mask, T);
            ms = new float[T];
            mask.get(ms);
        }
        for (int t = 0; t < T; t++) {
            if ((ms == null || ms[t] > 0) && (ys[t] < 0 || ys[t] >= V)) {
                throw new IndexOutOfBoundsException(op + ": target " + ys[t] + " at " + t + " outside [0, " + V + ")");
            }
        }
        if (T == 0) return 0;
        return CpuKernels.cross_entropy_forward_backward_f32(losses, logits, targets, mask, T, V, gradScale, threads());
    }

    /**
     * AdamW step (decoupled weight decay, bias-corrected, step counted from 1), n floats:
     * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²; p -= lr * (m̂ / (sqrt(v̂) + eps) + wd * p).
     */
    public static void adamw(FloatPointer param, FloatPointer grad, FloatPointer m, FloatPointer v, long n,
                             float lr, float beta1, float beta2, float eps, float weightDecay, long step) {
        String op = "adamw";
        dims(op, n);
        if (step < 1) throw new IllegalArgumentException(op + ": step " + step + " (counted from 1)");
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException(op + ": betas " + beta1 + ", " + beta2 + " outside [0, 1)");
        if (!Float.isFinite(lr) || !(eps > 0) || !Float.isFinite(eps) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException(op + ": lr " + lr + ", eps " + eps + ", weightDecay " + weightDecay);
        }
        need(op, "param", param, n);
        need(op, "grad", grad, n);
        need(op, "m", m, n);
        need(op, "v", v, n);
        if (n > 0) CpuKernels.adamw_f32(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step, threads());
    }

    /** Σ x² in double (gradient clipping). */
    public static double sumSquares(FloatPointer x, long n) {
        String op = "sumSquares";
        dims(op, n);
        need(op, "x", x, n);
        return n > 0 ? CpuKernels.sum_squares_f32(x, n, threads()) : 0;
    }

    /** x (n) *= s. */
    public static void scale(FloatPointer x, float s, long n) {
        String op = "scale";
        dims(op, n);
        need(op, "x", x, n);
        if (n > 0) CpuKernels.scale_f32(x, s, n, threads());
    }

    /** x (n) = 0. */
    public static void zero(FloatPointer x, long n) {
        String op = "zero";
        dims(op, n);
        need(op, "x", x, n);
        if (n > 0) CpuKernels.zero_f32(x, n, threads());
    }

    /** The n ints from p's position, after checking p holds them. */
    private static int[] ints(String op, String name, IntPointer p, int n) {
        if (p == null || p.isNull()) throw new IllegalArgumentException(op + ": " + name + " is null");
        long avail = p.capacity() - p.position();
        if (p.capacity() <= 0 || p.position() < 0 || avail < n) {
            throw new IndexOutOfBoundsException(op + ": " + name + " holds " + avail + " ints, needs " + n);
        }
        int[] a = new int[n];
        p.get(a);
        return a;
    }
    // ---- end training ----

    private static void checkRope(String op, FloatPointer x, IntPointer pos, int T, int H, int D, float theta,
                                  float freqScale, FloatPointer freqFactors) {
        dims(op, T, H, D);
        if (D % 2 != 0 || D > 1024) throw new IllegalArgumentException(op + ": head width " + D + " must be even and <= 1024");
        if (!(theta > 0) || !Float.isFinite(theta) || !Float.isFinite(freqScale)) {
            throw new IllegalArgumentException(op + ": theta " + theta + ", freqScale " + freqScale);
        }
        need(op, "x", x, (long) T * H * D);
        if (pos == null || pos.isNull()) throw new IllegalArgumentException(op + ": null positions");
        long posAvail = pos.capacity() - pos.position();
        if (pos.capacity() <= 0 || posAvail < T) throw new IndexOutOfBoundsException(op + ": positions hold " + posAvail + " < " + T);
        if (freqFactors != null) need(op, "freqFactors", freqFactors, D / 2);
    }

    private static void dims(String op, long... d) {
        for (long x : d) if (x < 0) throw new IllegalArgumentException(op + ": negative size " + x);
    }

    /** Throws unless p is non-null, knows its capacity and holds {@code floats} floats from its position. */
    private static void need(String op, String name, FloatPointer p, long floats) {
        if (p == null || p.isNull()) throw new IllegalArgumentException(op + ": " + name + " is null");
        if (p.capacity() <= 0) throw new IllegalArgumentException(op + ": " + name + " has no known capacity");
        long avail = p.capacity() - p.position();
        if (p.position() < 0 || avail < floats) {
            throw new IndexOutOfBoundsException(op + ": " + name + " holds " + avail + " floats, needs " + floats);
        }
    }
    // ---- end transformer ops ------------------------------------------------------------------

    /** Throws unless [offset, offset + count) lies inside an array or buffer of the given length. */
    public static void checkRange(String what, long offset, long count, long length) {
        if (offset < 0 || count < 0 || offset > length || count > length - offset) {
            throw new IndexOutOfBoundsException(what + ": range [" + offset + ", " + offset + " + " + count
                    + ") outside length " + length);
        }
    }

    // ---- matmul ----

    /** Whether {@link #matmul} and {@link #matmulBackwardX} have native kernels for weights of {@code type}. */
    public static boolean canMatmul(TensorType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, NF4 -> true;
            default -> false;
        };
    }

    /** {@link #dequantizeRows(TensorType, Pointer, long, FloatPointer, long, long, long, int)} on {@link #threads()} threads. */
    public static void dequantizeRows(TensorType type, Pointer src, long srcBytes, FloatPointer dst, long dstCapacity,
                                      long rows, long rowLength) {
        dequantizeRows(type, src, srcBytes, dst, dstCapacity, rows, rowLength, threads());
    }

    /** Dequantizes a matrix of {@code rows} rows of {@code rowLength} (any type {@link #dequantize} takes, NF4 included). */
    public static void dequantizeRows(TensorType type, Pointer src, long srcBytes, FloatPointer dst, long dstCapacity,
                                      long rows, long rowLength, int threads) {
        if (!canDequantize(type)) throw new IllegalArgumentException("no native dequantize kernel for " + type);
        if (rows < 0 || rowLength < 0 || rowLength % type.blockSize() != 0) {
            throw new IllegalArgumentException("dequantize " + type + ": " + rows + " rows of " + rowLength
                    + " (the row length must be a multiple of the block size " + type.blockSize() + ")");
        }
        long n = Math.multiplyExact(rows, rowLength);
        if (type != TensorType.NF4) {
            dequantize(type, src, srcBytes, dst, dstCapacity, n, threads);
            return;
        }
        if (src == null || src.isNull() || dst == null || dst.isNull()) throw new IllegalArgumentException("dequantize " + type + ": null pointer");
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1: " + threads);
        long bytes = type.byteSize(rows, rowLength);
        checkRange("dequantize " + type + " source bytes", 0, bytes, srcBytes);
        checkRange("dequantize " + type + " destination floats", 0, n, dstCapacity);
        checkPointerBytes("dequantize " + type + " source pointer", src, bytes);
        checkPointerFloats("dequantize " + type + " destination pointer", dst, n);
        if (n == 0) return;
        CpuKernels.dequantize_nf4(src, dst, rows, rowLength, threads);
    }

    /** {@link #matmul(TensorType, Pointer, long, FloatPointer, long, FloatPointer, long, int, int, int, int)} on {@link #threads()} threads. */
    public static void matmul(TensorType type, Pointer w, long wBytes, FloatPointer x, long xCapacity,
                              FloatPointer y, long yCapacity, int T, int C, int OC) {
        matmul(type, w, wBytes, x, xCapacity, y, yCapacity, T, C, OC, threads());
    }

    /**
     * A linear layer: {@code y (T, OC) = x (T, C) · Wᵀ}, y overwritten. W is {@code (OC, C)} row-major
     * in {@code type}'s layout ({@code type.byteSize(OC, C)} bytes; C a multiple of the block size).
     * Weights are dequantized exactly (as {@link #dequantize}) and multiplied with x in float, except
     * for decoding (T ≤ 3) with a block type on AVX2: there, as in llama.cpp, x is quantized to 8 bits
     * per block of 32 and the products are int8 (error within x's rounding, ≲ 1e-2 of the output's
     * scale; NF4 also uses its levels as round(127·level), ≲ 2e-2; see MatmulKernelsTest).
     * {@code wBytes}, {@code xCapacity}, {@code yCapacity} are what the caller owns at the pointers
     * (bytes, floats, floats); they and the pointers' own capacities, when known, are checked before
     * the native call.
     */
    public static void matmul(TensorType type, Pointer w, long wBytes, FloatPointer x, long xCapacity,
                              FloatPointer y, long yCapacity, int T, int C, int OC, int threads) {
        checkMatmul("matmul", type, w, wBytes, x, xCapacity, (long) T * C, y, yCapacity, (long) T * OC, T, C, OC, threads);
        if ((long) T * OC == 0) return;
        if (C == 0) {  // an empty sum
            for (long i = 0; i < (long) T * OC; i++) y.put(i, 0f);
            return;
        }
        switch (type) {
            case F32 -> CpuKernels.matmul_forward_f32(w, x, y, T, C, OC, threads);
            case F16 -> CpuKernels.matmul_forward_f16(w, x, y, T, C, OC, threads);
            case BF16 -> CpuKernels.matmul_forward_bf16(w, x, y, T, C, OC, threads);
            case Q8_0 -> CpuKernels.matmul_forward_q8_0(w, x, y, T, C, OC, threads);
            case Q4_0 -> CpuKernels.matmul_forward_q4_0(w, x, y, T, C, OC, threads);
            case Q4_1 -> CpuKernels.matmul_forward_q4_1(w, x, y, T, C, OC, threads);
            case Q5_0 -> CpuKernels.matmul_forward_q5_0(w, x, y, T, C, OC, threads);
            case Q5_1 -> CpuKernels.matmul_forward_q5_1(w, x, y, T, C, OC, threads);
            case Q4_K -> CpuKernels.matmul_forward_q4_k(w, x, y, T, C, OC, threads);
            case Q5_K -> CpuKernels.matmul_forward_q5_k(w, x, y, T, C, OC, threads);
            case Q6_K -> CpuKernels.matmul_forward_q6_k(w, x, y, T, C, OC, threads);
            case NF4 -> CpuKernels.matmul_forward_nf4(w, x, y, T, C, OC, threads);
            default -> throw new AssertionError(type);
        }
    }

    /** What {@link #matmulFused} does with its products P_i = x · W_iᵀ. */
    public enum Fused {
        /** y_i = P_i. */
        STORE,
        /** y_i += P_i (a residual add). */
        ADD,
        /** y_0 = silu(P_0) ⊙ P_1 (SwiGLU; two weights of the same shape, y_1 unused and may be null). */
        SWIGLU
    }

    /**
     * One to three products of weights of one {@code type} with the same x (T, C), fused: for decoding
     * (T ≤ 3 on AVX2) they run as one parallel region with x quantized once, and the residual add or
     * SwiGLU is applied as rows are computed. Results are bit-identical to {@link #matmul} for each
     * weight followed by {@link #add} / {@link #swiglu}. {@code w[i]} holds {@code wBytes[i]} bytes of an
     * {@code (oc[i], C)} matrix; {@code y[i]} holds {@code yCapacity[i]} floats from its position.
     */
    public static void matmulFused(TensorType type, Fused mode, Pointer[] w, long[] wBytes, int[] oc, FloatPointer x,
                                   long xCapacity, FloatPointer[] y, long[] yCapacity, int T, int C) {
        int n = w.length, threads = threads();
        checkFused("matmulFused", type, mode, w, wBytes, oc, x, xCapacity, y, yCapacity, T, C, threads);
        Pointer w0 = w[0], w1 = n > 1 ? w[1] : null, w2 = n > 2 ? w[2] : null;
        FloatPointer y0 = y[0], y1 = n > 1 && mode != Fused.SWIGLU ? y[1] : null, y2 = n > 2 ? y[2] : null;
        long o0 = oc[0], o1 = n > 1 ? oc[1] : 0, o2 = n > 2 ? oc[2] : 0;
        int m = mode.ordinal();
        if ((long) T * (o0 + o1 + o2) == 0) return;
        switch (type) {
            case F32 -> CpuKernels.matmul_forward_fused_f32(w0, w1, w2, y0, y1, y2, o0, o1, o2, x, T, C, m, threads);
            case F16 -> CpuKernels.matmul_forward_fused_f16(w0, w1, w2, y0, y1, y2, o0, o1, o2, x, T, C, m, threads);
            case BF16 -> CpuKernels.matmul_forward_fused_bf16(w0, w1, w2, y0, y1, y2, o0, o1, o2, x, T, C, m, threads);
            case Q8_0 -> CpuKernels.matmul_forward_fused_q8_0(w0, w1, w2, y0, y1, y2, o0, o1, o2, x, T, C, m, threads);
            case Q4_0 -> CpuKernels.matmul_forward_fused_q4_0(w0, w1, w2, y0, y1, y2, o0, o1, o2, x, T, C, m, threads);
            case Q4_1 -> CpuKernels.matmul_forward_fused_q4_1(w0, w1, w2, y0, y1, y2, o0, o1, o2, x, T, C, m, threads);
            case Q5_0 -> CpuKernels.matmul_forward_fused_q5_0(w0, w1, w2, y0, y1, y2, o0, o1, o2, x, T, C, m, threads);
            case Q5_1 -> CpuKernels.matmul_forward_fused_q5_1(w0, w1, w2, y0, y1, y2, o0, o1, o2, x, T, C, m, threads);
            case Q4_K -> CpuKernels.matmul_forward_fused_q4_k(w0, w1, w2, y0, y1, y2, o0, o1, o2, x, T, C, m, threads);
            case Q5_K -> CpuKernels.matmul_forward_fused_q5_k(w0, w1, w2, y0, y1, y2, o0, o1, o2, x, T, C, m, threads);
            case Q6_K -> CpuKernels.matmul_forward_fused_q6_k(w0, w1, w2, y0, y1, y2, o0, o1, o2, x, T, C, m, threads);
            case NF4 -> CpuKernels.matmul_forward_fused_nf4(w0, w1, w2, y0, y1, y2, o0, o1, o2, x, T, C, m, threads);
            default -> throw new AssertionError(type);
        }
    }

    /** The checks of {@link #matmulFused}: shapes, modes, and every weight, input and output size. */
    static void checkFused(String op, TensorType type, Fused mode, Pointer[] w, long[] wBytes, int[] oc, FloatPointer x,
                           long xCapacity, FloatPointer[] y, long[] yCapacity, int T, int C, int threads) {
        checkFused(op, type, o -> type.byteSize(o, C), mode, w, wBytes, oc, x, xCapacity, y, yCapacity, T, C, threads);
    }

    /** {@link #checkFused} for a weight layout of {@code bytes.applyAsLong(oc)} bytes per matrix. */
    static void checkFused(String op, TensorType type, java.util.function.IntToLongFunction bytes, Fused mode, Pointer[] w,
                           long[] wBytes, int[] oc, FloatPointer x, long xCapacity, FloatPointer[] y, long[] yCapacity,
                           int T, int C, int threads) {
        if (type == null || !canMatmul(type)) throw new IllegalArgumentException("no native " + op + " kernel for " + type);
        int n = w.length;
        if (n < 1 || n > 3 || wBytes.length != n || oc.length != n || y.length != n || yCapacity.length != n) {
            throw new IllegalArgumentException(op + ": 1 to 3 weights with as many sizes and outputs, got " + n);
        }
        if (mode == Fused.SWIGLU && (n != 2 || oc[0] != oc[1])) {
            throw new IllegalArgumentException(op + " SWIGLU: two weights of the same shape, got " + java.util.Arrays.toString(oc));
        }
        for (int i = 0; i < n; i++) {
            boolean written = mode != Fused.SWIGLU || i == 0;
            checkMatmul(op, type, bytes.applyAsLong(oc[i]), w[i], wBytes[i], x, xCapacity, (long) T * C, written ? y[i] : x,
                    written ? yCapacity[i] : xCapacity, written ? (long) T * oc[i] : 0, T, C, oc[i], threads);
        }
        if (C == 0) throw new IllegalArgumentException(op + ": C = 0");
    }

    /** {@link #matmulBackwardX(TensorType, Pointer, long, FloatPointer, long, FloatPointer, long, int, int, int, int)} on {@link #threads()} threads. */
    public static void matmulBackwardX(TensorType type, Pointer w, long wBytes, FloatPointer dy, long dyCapacity,
                                       FloatPointer dx, long dxCapacity, int T, int C, int OC) {
        matmulBackwardX(type, w, wBytes, dy, dyCapacity, dx, dxCapacity, T, C, OC, threads());
    }

    /**
     * The gradient of {@link #matmul} with respect to its input: {@code dx (T, C) = dy (T, OC) · W},
     * dx overwritten; W and the checks as in {@link #matmul}.
     */
    public static void matmulBackwardX(TensorType type, Pointer w, long wBytes, FloatPointer dy, long dyCapacity,
                                       FloatPointer dx, long dxCapacity, int T, int C, int OC, int threads) {
        checkMatmul("matmulBackwardX", type, w, wBytes, dy, dyCapacity, (long) T * OC, dx, dxCapacity, (long) T * C, T, C, OC, threads);
        if ((long) T * C == 0) return;
        if (OC == 0) {
            for (long i = 0; i < (long) T * C; i++) dx.put(i, 0f);
            return;
        }
        switch (type) {
            case F32 -> CpuKernels.matmul_backward_x_f32(w, dy, dx, T, C, OC, threads);
            case F16 -> CpuKernels.matmul_backward_x_f16(w, dy, dx, T, C, OC, threads);
            case BF16 -> CpuKernels.matmul_backward_x_bf16(w, dy, dx, T, C, OC, threads);
            case Q8_0 -> CpuKernels.matmul_backward_x_q8_0(w, dy, dx, T, C, OC, threads);
            case Q4_0 -> CpuKernels.matmul_backward_x_q4_0(w, dy, dx, T, C, OC, threads);
            case Q4_1 -> CpuKernels.matmul_backward_x_q4_1(w, dy, dx, T, C, OC, threads);
            case Q5_0 -> CpuKernels.matmul_backward_x_q5_0(w, dy, dx, T, C, OC, threads);
            case Q5_1 -> CpuKernels.matmul_backward_x_q5_1(w, dy, dx, T, C, OC, threads);
            case Q4_K -> CpuKernels.matmul_backward_x_q4_k(w, dy, dx, T, C, OC, threads);
            case Q5_K -> CpuKernels.matmul_backward_x_q5_k(w, dy, dx, T, C, OC, threads);
            case Q6_K -> CpuKernels.matmul_backward_x_q6_k(w, dy, dx, T, C, OC, threads);
            case NF4 -> CpuKernels.matmul_backward_x_nf4(w, dy, dx, T, C, OC, threads);
            default -> throw new AssertionError(type);
        }
    }

    static void checkMatmul(String op, TensorType type, Pointer w, long wBytes, FloatPointer in, long inCapacity,
                                    long inFloats, FloatPointer out, long outCapacity, long outFloats,
                                    int T, int C, int OC, int threads) {
        if (type == null || !canMatmul(type)) throw new IllegalArgumentException("no native " + op + " kernel for " + type);
        checkMatmul(op, type, type.byteSize(OC, C), w, wBytes, in, inCapacity, inFloats, out, outCapacity, outFloats, T, C, OC, threads);
    }

    /** {@link #checkMatmul} for a weight layout of {@code bytes} bytes (type's, or a repacking of it). */
    static void checkMatmul(String op, TensorType type, long bytes, Pointer w, long wBytes, FloatPointer in, long inCapacity,
                            long inFloats, FloatPointer out, long outCapacity, long outFloats,
                            int T, int C, int OC, int threads) {
        if (w == null || w.isNull() || in == null || in.isNull() || out == null || out.isNull()) {
            throw new IllegalArgumentException(op + " " + type + ": null pointer");
        }
        if (T < 0 || C < 0 || OC < 0) throw new IllegalArgumentException(op + " " + type + ": negative size T=" + T + " C=" + C + " OC=" + OC);
        if (C % type.blockSize() != 0) {
            throw new IllegalArgumentException(op + " " + type + ": C=" + C + " is not a multiple of the block size " + type.blockSize());
        }
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1: " + threads);
        checkRange(op + " " + type + " weight bytes", 0, bytes, wBytes);
        checkRange(op + " " + type + " input floats", 0, inFloats, inCapacity);
        checkRange(op + " " + type + " output floats", 0, outFloats, outCapacity);
        checkPointerBytes(op + " " + type + " weight pointer", w, bytes);
        checkPointerFloats(op + " " + type + " input pointer", in, inFloats);
        checkPointerFloats(op + " " + type + " output pointer", out, outFloats);
    }

    /** Checks {@code bytes} bytes from the pointer's position, when its capacity is known. */
    static void checkPointerBytes(String what, Pointer p, long bytes) {
        if (p.capacity() > 0) checkRange(what, 0, bytes, (p.capacity() - p.position()) * p.sizeof());
    }

    /** Checks {@code floats} floats from the pointer's position, when its capacity is known. */
    private static void checkPointerFloats(String what, FloatPointer p, long floats) {
        if (p.capacity() > 0) checkRange(what, 0, floats, p.capacity() - p.position());
    }
}
