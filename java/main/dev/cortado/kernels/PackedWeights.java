package dev.cortado.kernels;

import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Quantized matrices repacked into the engine's "x8" layouts (native/cpu/matmul_x8.cpp): the same
 * values reordered so that one AVX2 vector holds 8 rows, which decodes a token ~1.3x (from memory) to
 * ~2x (from cache) faster than the row-by-row dots of {@link Kernels#matmul}, with the same int8
 * rounding of x. The engine packs each weight once at load and lets the file's pages go. Every size
 * is checked here before the native call, as in {@link Kernels}.
 */
public final class PackedWeights {
    private PackedWeights() {}

    /** A packed layout and the stored type it repacks. */
    public enum Layout {
        /** Q4_0, same size. */
        Q4_0X8(TensorType.Q4_0, 32, 144),
        /** Q4_K, 1184 / 1152 of its size (the 6-bit scales and mins as bytes). */
        Q4_KX8(TensorType.Q4_K, 256, 1184),
        /** Q8_0, same size. */
        Q8_0X8(TensorType.Q8_0, 32, 272),
        /** Q5_0, same size. */
        Q5_0X8(TensorType.Q5_0, 32, 176),
        /** Q6_K, same size. */
        Q6_KX8(TensorType.Q6_K, 256, 1680);

        private final TensorType source;
        private final int unit;       // columns per unit
        private final int unitBytes;  // bytes per unit of 8 rows

        Layout(TensorType source, int unit, int unitBytes) {
            this.source = source;
            this.unit = unit;
            this.unitBytes = unitBytes;
        }

        public TensorType source() {
            return source;
        }

        /** The layout that packs {@code type}, or null. */
        public static Layout of(TensorType type) {
            for (Layout l : values()) if (l.source == type) return l;
            return null;
        }

        /** Whether a matrix (OC, C) of the source type packs: OC a multiple of 8, C of the unit. */
        public boolean canPack(long C, long OC) {
            return C > 0 && OC > 0 && C % unit == 0 && OC % 8 == 0;
        }

        /** Bytes of a packed (OC, C) matrix. */
        public long byteSize(long OC, long C) {
            check(C, OC);
            return Math.multiplyExact(Math.multiplyExact(OC / 8, C / unit), (long) unitBytes);
        }

        private void check(long C, long OC) {
            if (!canPack(C, OC)) {
                throw new IllegalArgumentException(this + ": a " + OC + " x " + C + " matrix does not pack (rows must be a multiple of 8, columns of " + unit + ")");
            }
        }
    }

    /** out = the packed layout of the {@code layout.source()} matrix w (OC, C). */
    public static void repack(Layout layout, Pointer w, long wBytes, Pointer out, long outBytes, int C, int OC) {
        long in = layout.source.byteSize(OC, C), packed = layout.byteSize(OC, C);
        if (w == null || w.isNull() || out == null || out.isNull()) throw new IllegalArgumentException("repack " + layout + ": null pointer");
        Kernels.checkRange("repack " + layout + " source bytes", 0, in, wBytes);
        Kernels.checkRange("repack " + layout + " destination bytes", 0, packed, outBytes);
        Kernels.checkPointerBytes("repack " + layout + " source pointer", w, in);
        Kernels.checkPointerBytes("repack " + layout + " destination pointer", out, packed);
        switch (layout) {
            case Q4_0X8 -> CpuKernels.repack_q4_0x8(w, out, C, OC, Kernels.threads());
            case Q4_KX8 -> CpuKernels.repack_q4_kx8(w, out, C, OC, Kernels.threads());
            case Q8_0X8 -> CpuKernels.repack_q8_0x8(w, out, C, OC, Kernels.threads());
            case Q5_0X8 -> CpuKernels.repack_q5_0x8(w, out, C, OC, Kernels.threads());
            case Q6_KX8 -> CpuKernels.repack_q6_kx8(w, out, C, OC, Kernels.threads());
        }
    }

    /** {@link Kernels#matmul} for a packed w: y (T, OC) = x (T, C) · Wᵀ. */
    public static void matmul(Layout layout, Pointer w, long wBytes, FloatPointer x, long xCapacity, FloatPointer y,
                              long yCapacity, int T, int C, int OC) {
        int threads = Kernels.threads();
        long bytes = layout.byteSize(OC, C);
        Kernels.checkMatmul("matmul " + layout, layout.source, bytes, w, wBytes, x, xCapacity, (long) T * C, y, yCapacity,
                (long) T * OC, T, C, OC, threads);
        if (T == 0) return;
        switch (layout) {
            case Q4_0X8 -> CpuKernels.matmul_forward_q4_0x8(w, x, y, T, C, OC, threads);
            case Q4_KX8 -> CpuKernels.matmul_forward_q4_kx8(w, x, y, T, C, OC, threads);
            case Q8_0X8 -> CpuKernels.matmul_forward_q8_0x8(w, x, y, T, C, OC, threads);
            case Q5_0X8 -> CpuKernels.matmul_forward_q5_0x8(w, x, y, T, C, OC, threads);
            case Q6_KX8 -> CpuKernels.matmul_forward_q6_kx8(w, x, y, T, C, OC, threads);
        }
    }

    /** {@link Kernels#matmulFused} for packed weights of one layout (any T). */
    public static void matmulFused(Layout layout, Kernels.Fused mode, Pointer[] w, long[] wBytes, int[] oc, FloatPointer x,
                                   long xCapacity, FloatPointer[] y, long[] yCapacity, int T, int C) {
        int n = w.length, threads = Kernels.threads();
        Kernels.checkFused("matmulFused " + layout, layout.source, o -> layout.byteSize(o, C), mode, w, wBytes, oc, x,
                xCapacity, y, yCapacity, T, C, threads);
        Pointer w1 = n > 1 ? w[1] : null, w2 = n > 2 ? w[2] : null;
        FloatPointer y1 = n > 1 && mode != Kernels.Fused.SWIGLU ? y[1] : null, y2 = n > 2 ? y[2] : null;
        long o1 = n > 1 ? oc[1] : 0, o2 = n > 2 ? oc[2] : 0;
        if (T == 0) return;
        int m = mode.ordinal();
        switch (layout) {
            case Q4_0X8 -> CpuKernels.matmul_forward_fused_q4_0x8(w[0], w1, w2, y[0], y1, y2, oc[0], o1, o2, x, T, C, m, threads);
            case Q4_KX8 -> CpuKernels.matmul_forward_fused_q4_kx8(w[0], w1, w2, y[0], y1, y2, oc[0], o1, o2, x, T, C, m, threads);
            case Q8_0X8 -> CpuKernels.matmul_forward_fused_q8_0x8(w[0], w1, w2, y[0], y1, y2, oc[0], o1, o2, x, T, C, m, threads);
            case Q5_0X8 -> CpuKernels.matmul_forward_fused_q5_0x8(w[0], w1, w2, y[0], y1, y2, oc[0], o1, o2, x, T, C, m, threads);
            case Q6_KX8 -> CpuKernels.matmul_forward_fused_q6_kx8(w[0], w1, w2, y[0], y1, y2, oc[0], o1, o2, x, T, C, m, threads);
        }
    }
}
