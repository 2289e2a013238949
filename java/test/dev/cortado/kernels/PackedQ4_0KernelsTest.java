package dev.cortado.kernels;

import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PackedQ4_0}, AVX2 and portable: the repacked bytes follow the documented layout (a Java
 * repack byte for byte); the packed product equals the plain Q4_0 {@link Kernels#matmul} (checked
 * against a Java reference in {@link MatmulKernelsTest}) within 1e-5 of the output's scale — both
 * round x to the same int8 blocks on AVX2 and sum each block exactly in integers, so only the float
 * accumulation order differs — for decoding (T = 1..3), prompts (5, 17) and more rows than one pass
 * over a group takes (70); and the fused products are bit-identical to the packed product followed by
 * {@link Kernels#add} / {@link Kernels#swiglu}, on 1 and 2 threads.
 */
class PackedQ4_0KernelsTest {
    static final TensorType Q = TensorType.Q4_0;
    static final int[][] SHAPES = {{32, 8}, {96, 24}, {544, 200}};  // (C, OC)

    @ParameterizedTest
    @ValueSource(strings = {"avx2", "generic"})
    void packedEqualsPlain(String isa) {
        String before = Kernels.isa();
        int threadsBefore = Kernels.threads();
        try {
            if (!Kernels.setIsa(isa).equals(isa)) return;  // CPU without AVX2: the generic run covers it
            Random r = new Random(11);
            for (int threads : new int[]{1, 2}) {
                Kernels.setThreads(threads);
                for (int[] s : SHAPES)
                    for (int T : new int[]{1, 2, 3, 5, 17, 70}) check(s[0], s[1], T, r);
            }
        } finally {
            Kernels.setIsa(before);
            Kernels.setThreads(threadsBefore);
        }
    }

    private static void check(int C, int OC, int T, Random r) {
        String what = Kernels.isa() + " C=" + C + " OC=" + OC + " T=" + T + " threads=" + Kernels.threads();
        byte[] plain = MatmulKernelsTest.Weights.random(Q, OC, C, r).bytes();
        byte[] up = MatmulKernelsTest.Weights.random(Q, OC, C, r).bytes();
        float[] xs = MatmulKernelsTest.gaussian(T * C, r);
        long n = plain.length, ny = (long) T * OC;
        try (BytePointer w = new BytePointer(n); BytePointer wp = new BytePointer(n); BytePointer u = new BytePointer(n);
             BytePointer up8 = new BytePointer(n); FloatPointer x = new FloatPointer(xs);
             FloatPointer y = new FloatPointer(ny); FloatPointer yp = new FloatPointer(ny)) {
            w.put(plain);
            u.put(up);
            PackedQ4_0.repack(w, n, wp, n, C, OC);
            PackedQ4_0.repack(u, n, up8, n, C, OC);
            byte[] got = new byte[(int) n];
            wp.get(got);
            assertArrayEquals(repackRef(plain, C, OC), got, what + " layout");

            Kernels.matmul(Q, w, n, x, (long) T * C, y, ny, T, C, OC);
            PackedQ4_0.matmul(wp, n, x, (long) T * C, yp, ny, T, C, OC);
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
            PackedQ4_0.matmulFused(Kernels.Fused.STORE, new Pointer[]{wp, up8, wp}, new long[]{n, n, n}, new int[]{OC, OC, OC},
                    x, (long) T * C, ys, caps, T, C);
            assertArrayEquals(p, get(ys[0]), what + " STORE 0");
            assertArrayEquals(p, get(ys[2]), what + " STORE 2");
            float[] pu;
            try (FloatPointer yu = new FloatPointer(ny)) {
                PackedQ4_0.matmul(up8, n, x, (long) T * C, yu, ny, T, C, OC);
                pu = get(yu);
            }
            assertArrayEquals(pu, get(ys[1]), what + " STORE 1");

            // ADD, against the product then add
            float[] base = MatmulKernelsTest.gaussian((int) ny, r);
            try (FloatPointer acc = new FloatPointer(base); FloatPointer sum = new FloatPointer(base)) {
                Kernels.add(sum, sum, yp, ny);
                PackedQ4_0.matmulFused(Kernels.Fused.ADD, new Pointer[]{wp}, new long[]{n}, new int[]{OC}, x, (long) T * C,
                        new FloatPointer[]{acc}, new long[]{ny}, T, C);
                assertArrayEquals(get(sum), get(acc), what + " ADD");
            }

            // SWIGLU of gate (w) and up (u), against the two products then swiglu
            try (FloatPointer g = new FloatPointer(p); FloatPointer uu = new FloatPointer(pu); FloatPointer out = new FloatPointer(ny)) {
                Kernels.swiglu(g, g, uu, ny);
                PackedQ4_0.matmulFused(Kernels.Fused.SWIGLU, new Pointer[]{wp, up8}, new long[]{n, n}, new int[]{OC, OC}, x,
                        (long) T * C, new FloatPointer[]{out, null}, new long[]{ny, 0}, T, C);
                assertArrayEquals(get(g), get(out), what + " SWIGLU");
            }
            for (FloatPointer f : ys) f.close();
        }
    }

    /** The q4_0x8 layout, written from its description in PackedQ4_0 / matmul_q4_0x8.cpp. */
    static byte[] repackRef(byte[] w, int C, int OC) {
        int nb = C / 32;
        byte[] out = new byte[w.length];
        for (int g = 0; g < OC / 8; g++)
            for (int b = 0; b < nb; b++) {
                int o = (g * nb + b) * 144;
                for (int r = 0; r < 8; r++) {
                    int blk = ((8 * g + r) * nb + b) * 18;
                    out[o + 2 * r] = w[blk];
                    out[o + 2 * r + 1] = w[blk + 1];
                    for (int j = 0; j < 4; j++)
                        for (int k = 0; k < 4; k++) out[o + 16 + 32 * j + 4 * r + k] = w[blk + 2 + 4 * j + k];
                }
            }
        return out;
    }

    private static float[] get(FloatPointer p) {
        float[] a = new float[(int) p.capacity()];
        p.position(0).get(a);
        return a;
    }

    @Test
    void badArgumentsAreRejectedBeforeTheNativeCall() {
        assertTrue(PackedQ4_0.canPack(64, 16));
        assertFalse(PackedQ4_0.canPack(64, 12));
        assertFalse(PackedQ4_0.canPack(48, 16));
        long n = Q.byteSize(16, 64);
        try (BytePointer w = new BytePointer(n); BytePointer out = new BytePointer(n); FloatPointer x = new FloatPointer(64);
             FloatPointer y = new FloatPointer(16); FloatPointer small = new FloatPointer(8)) {
            w.fill(0);
            assertThrows(IllegalArgumentException.class, () -> PackedQ4_0.repack(w, n, out, n, 64, 12));
            assertThrows(IndexOutOfBoundsException.class, () -> PackedQ4_0.repack(w, n - 1, out, n, 64, 16));
            assertThrows(IndexOutOfBoundsException.class, () -> PackedQ4_0.repack(w, n, out, n - 18, 64, 16));
            PackedQ4_0.repack(w, n, out, n, 64, 16);
            assertThrows(IndexOutOfBoundsException.class, () -> PackedQ4_0.matmul(out, n, x, 64, small, 8, 1, 64, 16));
            assertThrows(IndexOutOfBoundsException.class, () -> PackedQ4_0.matmul(out, n, x, 32, y, 16, 1, 64, 16));
            assertThrows(IllegalArgumentException.class, () -> PackedQ4_0.matmul(out, n, x, 64, y, 16, 1, 64, 12));
            assertThrows(IllegalArgumentException.class, () -> PackedQ4_0.matmulFused(Kernels.Fused.SWIGLU, new Pointer[]{out},
                    new long[]{n}, new int[]{16}, x, 64, new FloatPointer[]{y}, new long[]{16}, 1, 64));
            PackedQ4_0.matmul(out, n, x, 64, y, 16, 1, 64, 16);  // zero weights: zero outputs
            float[] got = new float[16];
            y.get(got);
            assertEquals(0f, got[0]);
        }
    }
}
