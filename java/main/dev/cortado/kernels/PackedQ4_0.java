package dev.cortado.kernels;

import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Q4_0 matrices repacked into the engine's "q4_0x8" layout (native/cpu/matmul_q4_0x8.cpp): the same
 * bytes reordered so that one AVX2 vector holds 8 rows, which decodes a token ~1.3x (from memory) to
 * ~2x (from cache) faster than row-by-row dots. The packed matrix is exactly as large as the Q4_0 one,
 * so the engine packs each weight once at load and lets the file's pages go. Every size is checked
 * here before the native call, as in {@link Kernels}.
 */
public final class PackedQ4_0 {
    private PackedQ4_0() {}

    /** Whether a Q4_0 matrix (OC, C) can be packed: OC a multiple of 8 (C is one of 32 for any Q4_0 matrix). */
    public static boolean canPack(long C, long OC) {
        return C > 0 && OC > 0 && C % 32 == 0 && OC % 8 == 0;
    }

    /** out = the q4_0x8 layout of the Q4_0 matrix w (OC, C); both hold {@code TensorType.Q4_0.byteSize(OC, C)} bytes. */
    public static void repack(Pointer w, long wBytes, Pointer out, long outBytes, int C, int OC) {
        if (!canPack(C, OC)) throw new IllegalArgumentException("repack q4_0x8: cannot pack a " + OC + " x " + C + " matrix (rows must be a multiple of 8, columns of 32)");
        if (w == null || w.isNull() || out == null || out.isNull()) throw new IllegalArgumentException("repack q4_0x8: null pointer");
        long bytes = TensorType.Q4_0.byteSize(OC, C);
        Kernels.checkRange("repack q4_0x8 source bytes", 0, bytes, wBytes);
        Kernels.checkRange("repack q4_0x8 destination bytes", 0, bytes, outBytes);
        Kernels.checkPointerBytes("repack q4_0x8 source pointer", w, bytes);
        Kernels.checkPointerBytes("repack q4_0x8 destination pointer", out, bytes);
        CpuKernels.repack_q4_0x8(w, out, C, OC, Kernels.threads());
    }

    /** {@link Kernels#matmul} for a packed w: y (T, OC) = x (T, C) · Wᵀ, with the same int8 rounding of x on AVX2. */
    public static void matmul(Pointer w, long wBytes, FloatPointer x, long xCapacity, FloatPointer y, long yCapacity,
                              int T, int C, int OC) {
        int threads = Kernels.threads();
        check(C, OC);
        Kernels.checkMatmul("matmul q4_0x8", TensorType.Q4_0, w, wBytes, x, xCapacity, (long) T * C, y, yCapacity,
                (long) T * OC, T, C, OC, threads);
        if (T == 0) return;
        CpuKernels.matmul_forward_q4_0x8(w, x, y, T, C, OC, threads);
    }

    /** {@link Kernels#matmulFused} for packed weights (any T). */
    public static void matmulFused(Kernels.Fused mode, Pointer[] w, long[] wBytes, int[] oc, FloatPointer x, long xCapacity,
                                   FloatPointer[] y, long[] yCapacity, int T, int C) {
        int n = w.length, threads = Kernels.threads();
        Kernels.checkFused("matmulFused q4_0x8", TensorType.Q4_0, mode, w, wBytes, oc, x, xCapacity, y, yCapacity, T, C, threads);
        for (int o : oc) check(C, o);
        Pointer w1 = n > 1 ? w[1] : null, w2 = n > 2 ? w[2] : null;
        FloatPointer y1 = n > 1 && mode != Kernels.Fused.SWIGLU ? y[1] : null, y2 = n > 2 ? y[2] : null;
        long o1 = n > 1 ? oc[1] : 0, o2 = n > 2 ? oc[2] : 0;
        if (T == 0) return;
        CpuKernels.matmul_forward_fused_q4_0x8(w[0], w1, w2, y[0], y1, y2, oc[0], o1, o2, x, T, C, mode.ordinal(), threads);
    }

    private static void check(long C, long OC) {
        if (!canPack(C, OC)) throw new IllegalArgumentException("q4_0x8: a " + OC + " x " + C + " matrix is not packable (rows must be a multiple of 8, columns of 32)");
    }
}
