package dev.cortado.kernels;

import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PackedWeights}, every layout, AVX2 and portable: the repacked bytes follow the documented
 * layout (a Java repack byte for byte); the packed product equals the plain {@link Kernels#matmul} of
 * the source type (checked against a Java reference in {@link MatmulKernelsTest}) within 1e-5 of the
 * output's scale — both round x to the same int8 blocks on AVX2 and sum each block exactly in
 * integers, so only the float order differs — for decoding (T = 1..3), prompts (5, 17) and more rows
 * than one pass over a group takes (70, in the portable build); and the fused products are
 * bit-identical to the packed product followed by {@link Kernels#add} / {@link Kernels#swiglu}, on 1
 * and 2 threads.
 */
class PackedWeightsKernelsTest {
    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String isa : new String[]{"avx2", "generic"}) for (PackedWeights.Layout l : PackedWeights.Layout.values()) b.add(Arguments.of(isa, l));
        return b.build();
    }

    /** (C, OC) pairs: one unit, a few, and rows past one tile of 8 groups (200 = 25 groups). */
    static int[][] shapes(PackedWeights.Layout l) {
        return l.source().blockSize() == 256 ? new int[][]{{256, 8}, {512, 24}, {1280, 200}} : new int[][]{{32, 8}, {96, 24}, {1088, 200}};
    }

    @ParameterizedTest
    @MethodSource("cases")
    void packedEqualsPlain(String isa, PackedWeights.Layout layout) {
        String before = Kernels.isa();
        int threadsBefore = Kernels.threads();
        try {
            if (!Kernels.setIsa(isa).equals(isa)) return;  // CPU without AVX2: the generic run covers it
            Random r = new Random(11);
            for (int threads : new int[]{1, 2}) {
                Kernels.setThreads(threads);
                for (int[] s : shapes(layout))
                    for (int T : new int[]{1, 2, 3, 5, 17, 70}) check(layout, s[0], s[1], T, r);
            }
        } finally {
            Kernels.setIsa(before);
            Kernels.setThreads(threadsBefore);
        }
    }

    private static void check(PackedWeights.Layout L, int C, int OC, int T, Random r) {
        TensorType Q = L.source();
        String what = L + " " + Kernels.isa() + " C=" + C + " OC=" + OC + " T=" + T + " threads=" + Kernels.threads();
        byte[] plain = MatmulKernelsTest.Weights.random(Q, OC, C, r).bytes();
        byte[] up = MatmulKernelsTest.Weights.random(Q, OC, C, r).bytes();
        float[] xs = MatmulKernelsTest.gaussian(T * C, r);
        long n = plain.length, np = L.byteSize(OC, C), ny = (long) T * OC;
        try (BytePointer w = new BytePointer(n); BytePointer wp = new BytePointer(np); BytePointer u = new BytePointer(n);
             BytePointer up8 = new BytePointer(np); FloatPointer x = new FloatPointer(xs);
             FloatPointer y = new FloatPointer(ny); FloatPointer yp = new FloatPointer(ny)) {
            w.put(plain);
            u.put(up);
            PackedWeights.repack(L, w, n, wp, np, C, OC);
            PackedWeights.repack(L, u, n, up8, np, C, OC);
            byte[] got = new byte[(int) np];
            wp.get(got);
            byte[] want = switch (L) {
                case Q4_0X8 -> repackQ4_0(plain, C, OC);
                case Q4_KX8 -> repackQ4_K(plain, C, OC);
                case Q8_0X8 -> repackQ8_0(plain, C, OC);
                case Q5_0X8 -> repackQ5_0(plain, C, OC);
                case Q6_KX8 -> repackQ6_K(plain, C, OC);
            };
            assertArrayEquals(want, got, what + " layout");

            Kernels.matmul(Q, w, n, x, (long) T * C, y, ny, T, C, OC);
            PackedWeights.matmul(L, wp, np, x, (long) T * C, yp, ny, T, C, OC);
            float[] ref = get(y), p = get(yp);
            double scale = 0, err = 0;
            for (int i = 0; i < ref.length; i++) {
                scale = Math.max(scale, Math.abs(ref[i]));
                err = Math.max(err, Math.abs(ref[i] - p[i]));
            }
            assertTrue(err <= 1e-5 * scale + 1e-6, what + ": error " + err + " at scale " + scale);

            // fused STORE of three products: each as the packed product alone
            FloatPointer[] ys = {new FloatPointer(ny), new FloatPointer(ny), new FloatPointer(ny)};
            long[] caps = {ny, ny, ny};
            PackedWeights.matmulFused(L, Kernels.Fused.STORE, new Pointer[]{wp, up8, wp}, new long[]{np, np, np}, new int[]{OC, OC, OC},
                    x, (long) T * C, ys, caps, T, C);
            assertArrayEquals(p, get(ys[0]), what + " STORE 0");
            assertArrayEquals(p, get(ys[2]), what + " STORE 2");
            float[] pu;
            try (FloatPointer yu = new FloatPointer(ny)) {
                PackedWeights.matmul(L, up8, np, x, (long) T * C, yu, ny, T, C, OC);
                pu = get(yu);
            }
            assertArrayEquals(pu, get(ys[1]), what + " STORE 1");

            // ADD, against the product then add
            float[] base = MatmulKernelsTest.gaussian((int) ny, r);
            try (FloatPointer acc = new FloatPointer(base); FloatPointer sum = new FloatPointer(base)) {
                Kernels.add(sum, sum, yp, ny);
                PackedWeights.matmulFused(L, Kernels.Fused.ADD, new Pointer[]{wp}, new long[]{np}, new int[]{OC}, x, (long) T * C,
                        new FloatPointer[]{acc}, new long[]{ny}, T, C);
                assertArrayEquals(get(sum), get(acc), what + " ADD");
            }

            // SWIGLU of gate (w) and up (u), against the two products then swiglu
            try (FloatPointer g = new FloatPointer(p); FloatPointer uu = new FloatPointer(pu); FloatPointer out = new FloatPointer(ny)) {
                Kernels.swiglu(g, g, uu, ny);
                PackedWeights.matmulFused(L, Kernels.Fused.SWIGLU, new Pointer[]{wp, up8}, new long[]{np, np}, new int[]{OC, OC}, x,
                        (long) T * C, new FloatPointer[]{out, null}, new long[]{ny, 0}, T, C);
                assertArrayEquals(get(g), get(out), what + " SWIGLU");
            }
            for (FloatPointer f : ys) f.close();
        }
    }

    /**
     * The 32-column layouts' common part, written from their description in matmul_x8.cpp: unit b of group g
     * (unitBytes) gets row r's fp16 d at 2r and its {@code steps} runs of 4 quant bytes (from byte qs of its
     * block) at at + 32j + 4r.
     */
    static byte[] repackSteps(byte[] w, int C, int OC, int blockBytes, int qs, int steps, int at, int unitBytes) {
        int nb = C / 32;
        byte[] out = new byte[w.length];
        for (int g = 0; g < OC / 8; g++)
            for (int b = 0; b < nb; b++) {
                int o = (g * nb + b) * unitBytes;
                for (int r = 0; r < 8; r++) {
                    int blk = ((8 * g + r) * nb + b) * blockBytes;
                    out[o + 2 * r] = w[blk];
                    out[o + 2 * r + 1] = w[blk + 1];
                    for (int j = 0; j < steps; j++)
                        for (int k = 0; k < 4; k++) out[o + at + 32 * j + 4 * r + k] = w[blk + qs + 4 * j + k];
                }
            }
        return out;
    }

    /** The q4_0x8 layout: 4 steps of nibble bytes after the 8 scales. */
    static byte[] repackQ4_0(byte[] w, int C, int OC) {
        return repackSteps(w, C, OC, 18, 2, 4, 16, 144);
    }

    /** The q8_0x8 layout: 8 steps of int8 weights after the 8 scales. */
    static byte[] repackQ8_0(byte[] w, int C, int OC) {
        return repackSteps(w, C, OC, 34, 2, 8, 16, 272);
    }

    /** The q5_0x8 layout, written from its description in matmul_x8.cpp. */
    static byte[] repackQ5_0(byte[] w, int C, int OC) {
        byte[] out = repackSteps(w, C, OC, 22, 6, 4, 48, 176);  // the nibbles, as q4_0x8 behind the fifth bits
        int nb = C / 32;
        for (int g = 0; g < OC / 8; g++)
            for (int b = 0; b < nb; b++)
                for (int r = 0; r < 8; r++) {
                    int o = (g * nb + b) * 176, blk = ((8 * g + r) * nb + b) * 22;
                    long qh = (w[blk + 2] & 0xFFL) | (w[blk + 3] & 0xFFL) << 8 | (w[blk + 4] & 0xFFL) << 16 | (w[blk + 5] & 0xFFL) << 24;
                    for (int s = 0; s < 8; s++)
                        for (int k = 0; k < 4; k++) {
                            int weight = s < 4 ? 4 * s + k : 16 + 4 * (s - 4) + k;
                            if ((qh >> weight & 1) != 0) out[o + 16 + 4 * r + k] |= (byte) (1 << s);
                        }
                }
        return out;
    }

    /** The q4_kx8 layout, written from its description in matmul_x8.cpp (and Q4_K's 6-bit scale packing). */
    static byte[] repackQ4_K(byte[] w, int C, int OC) {
        int nu = C / 256;
        byte[] out = new byte[(int) PackedWeights.Layout.Q4_KX8.byteSize(OC, C)];
        for (int g = 0; g < OC / 8; g++)
            for (int u = 0; u < nu; u++) {
                int o = (g * nu + u) * 1184;
                for (int r = 0; r < 8; r++) {
                    int blk = ((8 * g + r) * nu + u) * 144;
                    out[o + 2 * r] = w[blk];
                    out[o + 2 * r + 1] = w[blk + 1];
                    out[o + 16 + 2 * r] = w[blk + 2];
                    out[o + 16 + 2 * r + 1] = w[blk + 3];
                    for (int s = 0; s < 8; s++) {
                        int[] sm = scaleMin(s, w, blk + 4);
                        out[o + 32 + 8 * s + r] = (byte) sm[0];
                        out[o + 96 + 8 * s + r] = (byte) sm[1];
                    }
                    for (int p = 0; p < 4; p++)
                        for (int j = 0; j < 8; j++)
                            for (int k = 0; k < 4; k++) out[o + 160 + 256 * p + 32 * j + 4 * r + k] = w[blk + 16 + 32 * p + 4 * j + k];
                }
            }
        return out;
    }

    /**
     * The q6_kx8 layout, written from its description in kernels.h and llama.cpp's Q6_K block (128 bytes of
     * low nibbles, 64 of 2-bit highs, 16 int8 scales, fp16 d; weight 128n + 32j + l of half n from byte l or
     * l + 32 of that half's nibbles and bits 2j of its high byte l).
     */
    static byte[] repackQ6_K(byte[] w, int C, int OC) {
        int nu = C / 256;
        byte[] out = new byte[(int) PackedWeights.Layout.Q6_KX8.byteSize(OC, C)];
        for (int g = 0; g < OC / 8; g++)
            for (int u = 0; u < nu; u++) {
                int o = (g * nu + u) * 1680;
                for (int r = 0; r < 8; r++) {
                    int blk = ((8 * g + r) * nu + u) * 210;
                    int[] level = new int[256];
                    for (int n = 0; n < 2; n++)
                        for (int j = 0; j < 4; j++)
                            for (int l = 0; l < 32; l++) {
                                int ql = w[blk + 64 * n + l + (j % 2) * 32] & 0xFF, qh = w[blk + 128 + 32 * n + l] & 0xFF;
                                int low = j < 2 ? ql & 0xF : ql >> 4;
                                level[128 * n + 32 * j + l] = low | (((qh >> (2 * j)) & 3) << 4);
                            }
                    out[o + 2 * r] = w[blk + 208];
                    out[o + 2 * r + 1] = w[blk + 209];
                    for (int s = 0; s < 16; s++) out[o + 16 + 8 * s + r] = w[blk + 192 + s];
                    for (int b = 0; b < 8; b++)
                        for (int st = 0; st < 8; st++)
                            for (int k = 0; k < 4; k++) {
                                int v = level[32 * b + 4 * st + k], at = o + 144 + 192 * b;
                                out[at + 32 * (st % 4) + 4 * r + k] |= (byte) ((v & 0xF) << (st < 4 ? 0 : 4));
                                out[at + 128 + 32 * (st / 4) + 4 * r + k] |= (byte) ((v >> 4) << (2 * (st % 4)));
                            }
                }
            }
        return out;
    }

    /** Q4_K's sub-block j scale and min from its 12 bytes of 6-bit fields at q[at]. */
    static int[] scaleMin(int j, byte[] q, int at) {
        if (j < 4) return new int[]{q[at + j] & 63, q[at + j + 4] & 63};
        return new int[]{(q[at + j + 4] & 0xF) | (((q[at + j - 4] & 0xFF) >> 6) << 4),
                ((q[at + j + 4] & 0xFF) >> 4) | (((q[at + j] & 0xFF) >> 6) << 4)};
    }

    private static float[] get(FloatPointer p) {
        float[] a = new float[(int) p.capacity()];
        p.position(0).get(a);
        return a;
    }

    /**
     * q6_kx8 decodes with unsigned levels and subtracts x's share of the offset 32 in 16-bit sums: the extreme
     * levels (all 0, all 63, the largest sums) against x at its int8 extremes (+-127 in every block) must still
     * equal the plain kernel, which sums signed levels.
     */
    @Test
    void q6kExtremeLevelsDoNotOverflow() {
        int C = 512, OC = 16;
        PackedWeights.Layout L = PackedWeights.Layout.Q6_KX8;
        byte[] w = new byte[(int) TensorType.Q6_K.byteSize(OC, C)];
        for (int r = 0; r < OC; r++)
            for (int u = 0; u < C / 256; u++) {
                int at = (r * (C / 256) + u) * 210;
                byte fill = (byte) (r % 2 == 0 ? 0xFF : 0x00);  // levels 63 or 0
                java.util.Arrays.fill(w, at, at + 192, fill);
                for (int k = 0; k < 16; k++) w[at + 192 + k] = (byte) (r % 4 < 2 ? 127 : -128);
                w[at + 208] = 0x00;
                w[at + 209] = 0x14;  // fp16 2^-10
            }
        float[] xs = new float[3 * C];
        for (int i = 0; i < xs.length; i++) xs[i] = (i / C) == 1 ? (i % 2 == 0 ? 1f : -1f) : ((i / C) == 0 ? 1f : -1f);
        for (int T = 1; T <= 3; T++) {
            long n = w.length, np = L.byteSize(OC, C), ny = (long) T * OC;
            try (BytePointer wp = new BytePointer(n); BytePointer pk = new BytePointer(np); FloatPointer x = new FloatPointer(xs);
                 FloatPointer y = new FloatPointer(ny); FloatPointer yp = new FloatPointer(ny)) {
                wp.put(w);
                PackedWeights.repack(L, wp, n, pk, np, C, OC);
                Kernels.matmul(TensorType.Q6_K, wp, n, x, (long) T * C, y, ny, T, C, OC);
                PackedWeights.matmul(L, pk, np, x, (long) T * C, yp, ny, T, C, OC);
                float[] ref = get(y), got = get(yp);
                for (int i = 0; i < ref.length; i++) assertEquals(ref[i], got[i], 1e-5 * Math.abs(ref[i]) + 1e-6, "T=" + T + " output " + i);
            }
        }
    }

    @Test
    void badArgumentsAreRejectedBeforeTheNativeCall() {
        PackedWeights.Layout L = PackedWeights.Layout.Q4_0X8;
        TensorType Q = L.source();
        assertTrue(L.canPack(64, 16));
        assertFalse(L.canPack(64, 12));
        assertFalse(L.canPack(48, 16));
        assertFalse(PackedWeights.Layout.Q4_KX8.canPack(128, 16));
        assertEquals(PackedWeights.Layout.Q4_KX8, PackedWeights.Layout.of(TensorType.Q4_K));
        assertEquals(PackedWeights.Layout.Q6_KX8, PackedWeights.Layout.of(TensorType.Q6_K));
        assertEquals(null, PackedWeights.Layout.of(TensorType.Q4_1));
        long n = Q.byteSize(16, 64);
        try (BytePointer w = new BytePointer(n); BytePointer out = new BytePointer(n); FloatPointer x = new FloatPointer(64);
             FloatPointer y = new FloatPointer(16); FloatPointer small = new FloatPointer(8)) {
            w.fill(0);
            x.fill(0);  // native memory starts as whatever malloc returns: NaN bits would make 0 x NaN
            assertThrows(IllegalArgumentException.class, () -> PackedWeights.repack(L, w, n, out, n, 64, 12));
            assertThrows(IndexOutOfBoundsException.class, () -> PackedWeights.repack(L, w, n - 1, out, n, 64, 16));
            assertThrows(IndexOutOfBoundsException.class, () -> PackedWeights.repack(L, w, n, out, n - 18, 64, 16));
            PackedWeights.repack(L, w, n, out, n, 64, 16);
            assertThrows(IndexOutOfBoundsException.class, () -> PackedWeights.matmul(L, out, n, x, 64, small, 8, 1, 64, 16));
            assertThrows(IndexOutOfBoundsException.class, () -> PackedWeights.matmul(L, out, n, x, 32, y, 16, 1, 64, 16));
            assertThrows(IllegalArgumentException.class, () -> PackedWeights.matmul(L, out, n, x, 64, y, 16, 1, 64, 12));
            assertThrows(IllegalArgumentException.class, () -> PackedWeights.matmulFused(L, Kernels.Fused.SWIGLU, new Pointer[]{out},
                    new long[]{n}, new int[]{16}, x, 64, new FloatPointer[]{y}, new long[]{16}, 1, 64));
            PackedWeights.matmul(L, out, n, x, 64, y, 16, 1, 64, 16);  // zero weights: zero outputs
            float[] got = new float[16];
            y.get(got);
            assertEquals(0f, got[0]);
        }
    }
}
