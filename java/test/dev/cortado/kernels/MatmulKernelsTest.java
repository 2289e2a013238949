package dev.cortado.kernels;

import dev.cortado.tensor.Codecs;
import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Native matmul kernels (forward and backward-x), AVX2 and portable, for every weight type against
 * a plain double-precision Java product of the Java codec's dequantized weights, over odd sizes
 * (several column spans, vector tails, partial register tiles, split tiles; T = 1, 2, 3 for the
 * decoding path, 4, 5, 7, 17, 64, 100 for prefill, whole and partial 4 x 4 int8 tiles).
 *
 * <p>Bounds, as max|y - ref| / max|ref|:
 * <ul>
 * <li>1e-5 wherever the kernels dequantize the weights to the codec's exact floats and keep the
 * activations in float (every type backward; the forward on F32, F16, BF16 and, for every type, in
 * the portable build): the only error is float accumulation (measured worst case over these
 * sizes: 6e-6).
 * <li>The forward on AVX2 for the block types (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, NF4),
 * for every T (decoding T ≤ 3 and prefill T > 3 alike), quantizes x to 8 bits per block of 32 (as
 * llama.cpp does: x ≈ d·q, d = amax/127) and multiplies in int8. Each output is then checked against
 * the rigorous bound of that rounding, |y - ref| ≤ Σ_blocks (d/2)·Σ|w| (+1%, + 1e-5·Σ|x·w| for float
 * accumulation; for NF4, whose levels are used as round(127·level), also + Σ|x|·absmax·0.5/127): a
 * wrong block, scale or offset anywhere breaks it. The normalised error over shapes with at least
 * 33 outputs must also stay under 2e-2 (3e-2 for NF4); measured 0.7-1.2e-2 (1.9e-2 for NF4); a
 * single output that nearly cancels may reach 2e-1.
 * </ul>
 */
class MatmulKernelsTest {
    static final TensorType[] TYPES = {TensorType.F32, TensorType.F16, TensorType.BF16, TensorType.Q8_0,
            TensorType.Q4_0, TensorType.Q4_1, TensorType.Q5_0, TensorType.Q5_1, TensorType.Q4_K, TensorType.Q5_K,
            TensorType.Q6_K, TensorType.NF4};
    static final double BOUND = 1e-5;

    /** Whether the forward quantizes x to 8 bits (see the class comment). */
    static boolean int8Forward(TensorType type, int T) {
        return Kernels.isa().equals("avx2") && type.isQuantized();
    }

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String isa : new String[]{"avx2", "generic"}) for (TensorType t : TYPES) b.add(Arguments.of(isa, t));
        return b.build();
    }

    static int[] columns(TensorType type) {
        int q = type.blockSize();
        if (q == 1) return new int[]{1, 7, 8, 13, 40, 515, 1031};  // tails of every width, more than one 512 span
        if (q == 32) return new int[]{32, 96, 544};
        if (q == 64) return new int[]{64, 192, 576};
        return new int[]{256, 768};
    }

    /** A weight matrix quantized from gaussian values, and its dequantized floats. */
    record Weights(byte[] bytes, float[] dequantized) {
        static Weights random(TensorType type, int OC, int C, Random r) {
            float[] w = new float[OC * C];
            for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * (i % 53 == 0 ? 4 : 1));
            ByteBuffer q = Codecs.quantizeRows(type, w, C);
            return new Weights(q.array(), Codecs.dequantizeRows(type, q, 0, OC, C));
        }
    }

    static float[] gaussian(int n, Random r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    /** y (T, OC) = x (T, C) · Wᵀ in double. */
    static double[] forwardRef(float[] w, float[] x, int T, int C, int OC) {
        double[] y = new double[T * OC];
        for (int t = 0; t < T; t++)
            for (int o = 0; o < OC; o++) {
                double s = 0;
                for (int c = 0; c < C; c++) s += (double) x[t * C + c] * w[o * C + c];
                y[t * OC + o] = s;
            }
        return y;
    }

    /** dx (T, C) = dy (T, OC) · W in double. */
    static double[] backwardRef(float[] w, float[] dy, int T, int C, int OC) {
        double[] dx = new double[T * C];
        for (int t = 0; t < T; t++)
            for (int o = 0; o < OC; o++) {
                double d = dy[t * OC + o];
                for (int c = 0; c < C; c++) dx[t * C + c] += d * w[o * C + c];
            }
        return dx;
    }

    static double error(FloatPointer got, double[] want) {
        double maxRef = 0, maxErr = 0;
        for (int i = 0; i < want.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(want[i]));
            double e = Math.abs(got.get(i) - want[i]);
            if (!(e <= maxErr)) maxErr = e;  // NaN sticks
        }
        return maxErr / (maxRef + 1e-30);
    }

    static double worstInt8;

    /** Runs forward and backward for one shape; returns the larger normalised error of the float paths. */
    static double check(String label, TensorType type, Weights w, int T, int C, int OC, int threads, Random r) {
        float[] x = gaussian(T * C, r), dy = gaussian(T * OC, r);
        try (BytePointer wp = new BytePointer(w.bytes()); FloatPointer xp = new FloatPointer(x);
             FloatPointer yp = new FloatPointer(T * OC); FloatPointer dyp = new FloatPointer(dy);
             FloatPointer dxp = new FloatPointer(T * C)) {
            for (int i = 0; i < T * C; i++) dxp.put(i, Float.NaN);  // both kernels must overwrite
            for (int i = 0; i < T * OC; i++) yp.put(i, Float.NaN);
            Kernels.matmul(type, wp, w.bytes().length, xp, T * C, yp, T * OC, T, C, OC, threads);
            Kernels.matmulBackwardX(type, wp, w.bytes().length, dyp, T * OC, dxp, T * C, T, C, OC, threads);
            double ef = error(yp, forwardRef(w.dequantized(), x, T, C, OC));
            double eb = error(dxp, backwardRef(w.dequantized(), dy, T, C, OC));
            String where = label + " T=" + T + " C=" + C + " OC=" + OC + " threads=" + threads;
            if (int8Forward(type, T)) checkInt8Rounding(where, yp, w, type, x, T, C, OC);
            if (!(ef <= BOUND || int8Forward(type, T)) || !(eb <= BOUND)) {
                fail(where + ": forward error " + ef + ", backward error " + eb + " (bound " + BOUND + ")");
            }
            if (int8Forward(type, T)) {
                if (T * OC >= 33) worstInt8 = Math.max(worstInt8, ef);  // a few outputs may nearly cancel
                return eb;
            }
            return Math.max(ef, eb);
        }
    }

    /** |y - ref| within what rounding x to 8 bits per block of 32 can cause, for every output. */
    static void checkInt8Rounding(String where, FloatPointer y, Weights weights, TensorType type, float[] x, int T, int C, int OC) {
        float[] w = weights.dequantized();
        for (int t = 0; t < T; t++) {
            for (int o = 0; o < OC; o++) {
                double ref = 0, bound = 0, magnitude = 0;
                for (int b = 0; b < C / 32; b++) {
                    double amax = 0, wsum = 0, xsum = 0;
                    for (int c = 32 * b; c < 32 * b + 32; c++) {
                        amax = Math.max(amax, Math.abs(x[t * C + c]));
                        wsum += Math.abs(w[o * C + c]);
                        xsum += Math.abs(x[t * C + c]);
                        ref += (double) x[t * C + c] * w[o * C + c];
                        magnitude += Math.abs((double) x[t * C + c] * w[o * C + c]);
                    }
                    double wErr = type == TensorType.NF4 ? Math.abs(nf4Absmax(weights.bytes(), C, o, b / 2)) * 0.5 / 127 : 0;
                    bound += amax / 127 / 2 * (wsum + 32 * wErr) + xsum * wErr;
                }
                bound = bound * 1.01 + 1e-5 * magnitude;
                double err = Math.abs(y.get((long) t * OC + o) - ref);
                if (!(err <= bound)) fail(where + ": output (" + t + ", " + o + ") is off by " + err + ", more than x's 8-bit rounding allows (" + bound + ")");
            }
        }
    }

    /** The decoded absmax of block {@code b} of row {@code o} of an NF4 matrix (see NF4Codec's layout). */
    static float nf4Absmax(byte[] bytes, int C, int o, int b) {
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int row = (int) (o * TensorType.NF4.rowBytes(C)), ng = (int) dev.cortado.tensor.NF4Codec.groups(C);
        float scale = bb.getFloat(row + 8 * (b / 256)), offset = bb.getFloat(row + 8 * (b / 256) + 4);
        return Math.fma(scale, (float) bb.get(row + 8 * ng + b), offset);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void nativeMatchesDoubleReference(String isa, TensorType type) {
        Kernels.load();
        String before = Kernels.isa();
        try {
            if (!Kernels.setIsa(isa).equals(isa)) return;  // CPU without AVX2: the generic run covers it
            Random r = new Random(7 + type.ordinal());
            String label = isa + " " + type;
            double worst = 0;
            worstInt8 = 0;
            for (int C : columns(type)) {
                for (int OC : new int[]{1, 3, 33, 67}) {
                    Weights w = Weights.random(type, OC, C, r);
                    for (int T : new int[]{1, 2, 3, 4, 5, 7, 17}) worst = Math.max(worst, check(label, type, w, T, C, OC, 2, r));
                }
            }
            // many rows of x and few of W: the tile grid splits T across threads
            int C = columns(type)[1];
            worst = Math.max(worst, check(label, type, Weights.random(type, 3, C, r), 100, C, 3, 4, r));
            // whole register tiles and more than one column span (1024 columns for the int8 path)
            C = 4 * columns(type)[0] + 1280;
            worst = Math.max(worst, check(label, type, Weights.random(type, 70, C, r), 64, C, 70, 2, r));
            if (type == TensorType.NF4) {  // more than one group of 256 blocks per row
                int big = 64 * 300;
                worst = Math.max(worst, check(label, type, Weights.random(type, 5, big, r), 2, big, 5, 2, r));
            }
            double int8Bound = type == TensorType.NF4 ? 3e-2 : 2e-2;
            if (!(worstInt8 <= int8Bound)) fail(label + ": int8 forward normalised error " + worstInt8 + " over " + int8Bound);
            System.out.printf("matmul %s: worst normalised error %.2e (float paths), %.2e (int8 forward, shapes with >= 33 outputs)%n", label, worst, worstInt8);
        } finally {
            Kernels.setIsa(before);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void nf4NativeDequantizeMatchesJava(String isa, TensorType type) {
        if (type != TensorType.NF4) return;
        Kernels.load();
        String before = Kernels.isa();
        try {
            if (!Kernels.setIsa(isa).equals(isa)) return;
            Random r = new Random(3);
            for (int C : new int[]{64, 192, 64 * 257}) {
                int rows = 3;
                Weights w = Weights.random(TensorType.NF4, rows, C, r);
                try (BytePointer src = new BytePointer(w.bytes()); FloatPointer dst = new FloatPointer((long) rows * C)) {
                    Kernels.dequantizeRows(TensorType.NF4, src, w.bytes().length, dst, (long) rows * C, rows, C, 2);
                    for (int i = 0; i < rows * C; i++) {
                        if (Float.floatToRawIntBits(dst.get(i)) != Float.floatToRawIntBits(w.dequantized()[i])) {
                            fail(isa + " NF4 C=" + C + ": element " + i + " is " + dst.get(i) + ", Java gives " + w.dequantized()[i]);
                        }
                    }
                }
            }
        } finally {
            Kernels.setIsa(before);
        }
    }

    @Test
    void argumentsAreChecked() {
        Kernels.load();
        int T = 2, C = 64, OC = 3;
        long wBytes = TensorType.Q4_0.byteSize(OC, C);
        try (BytePointer w = new BytePointer(new byte[(int) wBytes]); FloatPointer x = new FloatPointer(T * C);
             FloatPointer y = new FloatPointer(T * OC)) {
            assertThrows(IllegalArgumentException.class, () -> Kernels.matmul(TensorType.Q2_K, w, wBytes, x, T * C, y, T * OC, T, C, OC));
            assertThrows(IllegalArgumentException.class, () -> Kernels.matmul(TensorType.Q4_0, w, wBytes, x, T * C, y, T * OC, T, 48, OC));
            assertThrows(IllegalArgumentException.class, () -> Kernels.matmul(TensorType.Q4_0, w, wBytes, x, T * C, y, T * OC, -1, C, OC));
            assertThrows(IllegalArgumentException.class, () -> Kernels.matmul(TensorType.Q4_0, w, wBytes, null, T * C, y, T * OC, T, C, OC));
            assertThrows(IllegalArgumentException.class, () -> Kernels.matmul(TensorType.Q4_0, w, wBytes, x, T * C, y, T * OC, T, C, OC, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> Kernels.matmul(TensorType.Q4_0, w, wBytes - 1, x, T * C, y, T * OC, T, C, OC));
            assertThrows(IndexOutOfBoundsException.class, () -> Kernels.matmul(TensorType.Q4_0, w, wBytes, x, T * C - 1, y, T * OC, T, C, OC));
            assertThrows(IndexOutOfBoundsException.class, () -> Kernels.matmul(TensorType.Q4_0, w, wBytes, x, T * C, y, T * OC - 1, T, C, OC));
            // the caller's claims are checked against the pointers' own capacities too
            assertThrows(IndexOutOfBoundsException.class, () -> Kernels.matmul(TensorType.Q4_0, w, wBytes + 18, x, T * C, y, T * OC, T, C, OC + 1));
            assertThrows(IndexOutOfBoundsException.class, () -> Kernels.matmul(TensorType.Q4_0, w, wBytes, x, 1000, y, 1000, T + 1, C, OC));
            assertThrows(IndexOutOfBoundsException.class, () -> Kernels.matmulBackwardX(TensorType.Q4_0, w, wBytes, y, T * OC, x, T * C, T + 1, C, OC));
            assertThrows(IndexOutOfBoundsException.class, () -> Kernels.matmulBackwardX(TensorType.NF4, w, wBytes, y, T * OC, x, T * C, T, C, OC));
            Kernels.matmul(TensorType.Q4_0, w, wBytes, x, T * C, y, T * OC, T, C, OC);  // in bounds: fine (zero weights)
            assertEquals(0f, y.get(0));
            Kernels.matmul(TensorType.Q4_0, w, wBytes, x, T * C, y, T * OC, 0, C, OC);  // empty: no call
        }
    }
}
