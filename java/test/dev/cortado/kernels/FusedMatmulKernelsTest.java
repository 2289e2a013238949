package dev.cortado.kernels;

import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Kernels#matmulFused}, AVX2 and portable, every weight type: its results must be bit-identical
 * to the separate {@link Kernels#matmul} calls (themselves checked against a Java reference in
 * {@link MatmulKernelsTest}) followed by {@link Kernels#add} / {@link Kernels#swiglu}, for decoding
 * (T = 1, 2, 3: the fused int8 path) and a prompt (T = 5: the products one by one), with output counts
 * that are not multiples of the four-row groups (37, 3, 13), on 1 and 2 threads (rows are grouped and
 * split over threads differently; the sums must not change).
 */
class FusedMatmulKernelsTest {
    static final int[] OC = {37, 3, 13};

    @ParameterizedTest
    @MethodSource("dev.cortado.kernels.MatmulKernelsTest#cases")
    void fusedEqualsSeparate(String isa, TensorType type) {
        String before = Kernels.isa();
        int threadsBefore = Kernels.threads();
        try {
            if (!Kernels.setIsa(isa).equals(isa)) return;  // CPU without AVX2: the generic run covers it
            Random r = new Random(7);
            int C = MatmulKernelsTest.columns(type)[1];
            for (int threads : new int[]{1, 2}) {
                Kernels.setThreads(threads);
                for (int T : new int[]{1, 2, 3, 5}) check(type, T, C, r);
            }
        } finally {
            Kernels.setIsa(before);
            Kernels.setThreads(threadsBefore);
        }
    }

    private static void check(TensorType type, int T, int C, Random r) {
        BytePointer[] w = new BytePointer[3];
        long[] wBytes = new long[3];
        for (int i = 0; i < 3; i++) {
            byte[] b = MatmulKernelsTest.Weights.random(type, OC[i], C, r).bytes();
            w[i] = new BytePointer(b.length);
            w[i].put(b);
            wBytes[i] = b.length;
        }
        float[] xs = MatmulKernelsTest.gaussian(T * C, r);
        try (FloatPointer x = new FloatPointer(xs)) {
            String what = type + " T=" + T + " threads=" + Kernels.threads();
            // STORE: Q, K, V
            float[][] sep = new float[3][];
            FloatPointer[] y = new FloatPointer[3];
            long[] cap = new long[3];
            for (int i = 0; i < 3; i++) {
                sep[i] = separate(type, w[i], wBytes[i], x, T, C, OC[i]);
                y[i] = new FloatPointer((long) T * OC[i]);
                cap[i] = (long) T * OC[i];
            }
            Kernels.matmulFused(type, Kernels.Fused.STORE, w, wBytes, OC, x, (long) T * C, y, cap, T, C);
            for (int i = 0; i < 3; i++) assertArrayEquals(sep[i], get(y[i]), what + " STORE product " + i);

            // ADD: y += W x, against matmul then add
            float[] base = MatmulKernelsTest.gaussian(T * OC[0], r);
            try (FloatPointer acc = new FloatPointer(base); FloatPointer ref = new FloatPointer(base);
                 FloatPointer p = new FloatPointer(sep[0])) {
                Kernels.add(ref, ref, p, (long) T * OC[0]);
                Kernels.matmulFused(type, Kernels.Fused.ADD, new Pointer[]{w[0]}, new long[]{wBytes[0]}, new int[]{OC[0]}, x,
                        (long) T * C, new FloatPointer[]{acc}, new long[]{(long) T * OC[0]}, T, C);
                assertArrayEquals(get(ref), get(acc), what + " ADD");
            }

            // SWIGLU: gate and up of the same shape
            BytePointer up = new BytePointer(wBytes[0]);
            byte[] ub = MatmulKernelsTest.Weights.random(type, OC[0], C, r).bytes();
            up.put(ub);
            float[] u = separate(type, up, wBytes[0], x, T, C, OC[0]);
            try (FloatPointer g = new FloatPointer(sep[0]); FloatPointer uu = new FloatPointer(u);
                 FloatPointer out = new FloatPointer((long) T * OC[0])) {
                Kernels.swiglu(g, g, uu, (long) T * OC[0]);
                Kernels.matmulFused(type, Kernels.Fused.SWIGLU, new Pointer[]{w[0], up}, new long[]{wBytes[0], wBytes[0]},
                        new int[]{OC[0], OC[0]}, x, (long) T * C, new FloatPointer[]{out, null}, new long[]{(long) T * OC[0], 0}, T, C);
                assertArrayEquals(get(g), get(out), what + " SWIGLU");
            }
            up.close();
            for (FloatPointer p : y) p.close();
        } finally {
            for (BytePointer p : w) p.close();
        }
    }

    private static float[] separate(TensorType type, Pointer w, long wBytes, FloatPointer x, int T, int C, int oc) {
        try (FloatPointer y = new FloatPointer((long) T * oc)) {
            Kernels.matmul(type, w, wBytes, x, (long) T * C, y, (long) T * oc, T, C, oc);
            return get(y);
        }
    }

    private static float[] get(FloatPointer p) {
        float[] a = new float[(int) p.capacity()];
        p.position(0).get(a);
        return a;
    }

    @Test
    void badArgumentsAreRejectedBeforeTheNativeCall() {
        TensorType t = TensorType.Q4_0;
        try (BytePointer w = new BytePointer(t.byteSize(8, 64)); FloatPointer x = new FloatPointer(64);
             FloatPointer y = new FloatPointer(8); FloatPointer small = new FloatPointer(4)) {
            long wb = t.byteSize(8, 64);
            // SwiGLU needs two weights of one shape
            assertThrows(IllegalArgumentException.class, () -> Kernels.matmulFused(t, Kernels.Fused.SWIGLU, new Pointer[]{w},
                    new long[]{wb}, new int[]{8}, x, 64, new FloatPointer[]{y}, new long[]{8}, 1, 64));
            assertThrows(IllegalArgumentException.class, () -> Kernels.matmulFused(t, Kernels.Fused.SWIGLU, new Pointer[]{w, w},
                    new long[]{wb, wb}, new int[]{8, 4}, x, 64, new FloatPointer[]{y, null}, new long[]{8, 0}, 1, 64));
            // an output too small, a weight too short (ranges, as for matmul), more than three products
            assertThrows(IndexOutOfBoundsException.class, () -> Kernels.matmulFused(t, Kernels.Fused.STORE, new Pointer[]{w},
                    new long[]{wb}, new int[]{8}, x, 64, new FloatPointer[]{small}, new long[]{4}, 1, 64));
            assertThrows(IndexOutOfBoundsException.class, () -> Kernels.matmulFused(t, Kernels.Fused.STORE, new Pointer[]{w},
                    new long[]{wb - 1}, new int[]{8}, x, 64, new FloatPointer[]{y}, new long[]{8}, 1, 64));
            assertThrows(IllegalArgumentException.class, () -> Kernels.matmulFused(t, Kernels.Fused.STORE, new Pointer[]{w, w, w, w},
                    new long[]{wb, wb, wb, wb}, new int[]{8, 8, 8, 8}, x, 64, new FloatPointer[]{y, y, y, y}, new long[]{8, 8, 8, 8}, 1, 64));
        }
    }
}
