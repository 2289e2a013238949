package dev.cortado.kernels;

import dev.cortado.tensor.Half;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.ShortPointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The f16 head-major KV cache kernels against Java references: {@code kvStoreF16} stores exactly
 * {@link Half#f32ToF16}'s bits at (head, position) and nothing else; {@code attentionF16Kv} matches
 * the double-precision attention of {@link TransformerKernelsTest} run on the f16-rounded keys and
 * values within a normalised error of {@link TransformerKernelsTest#TOL} (1e-5: f32 arithmetic on
 * exact inputs) for decode (T = 1..3) and prefill (T = 17, 71), pos 0 and past several 128-key
 * chunks, groups of 1, 3 and 4 query heads per KV head, head widths 64, 48, 40 and 20 (not a
 * multiple of 8), contexts that are not multiples of a chunk, on both ISAs; 1 and 2 threads give the
 * same bits; {@code kvRopeF16} equals {@code rope} on the f32 keys, rounded; bad arguments throw.
 */
class AttentionF16KvKernelsTest {
    private final Random rnd = new Random(23);

    @AfterEach
    void restore() {
        Kernels.setIsa(Kernels.bestIsa());
        Kernels.setThreads(0);
    }

    // T, pos, H, KVH, D
    private static final int[][] CASES = {
            {1, 0, 1, 1, 64}, {1, 130, 9, 3, 64}, {1, 300, 8, 2, 48}, {2, 257, 4, 1, 40}, {3, 128, 12, 3, 20},
            {3, 0, 3, 3, 64}, {1, 1000, 9, 3, 64}, {2, 511, 6, 2, 64}, {1, 77, 4, 4, 20}, {1, 150, 12, 2, 32}, {1, 60, 7, 1, 16},
            {1, 66, 10, 2, 128}, {1, 33, 4, 2, 64}, {1, 201, 16, 2, 96}, {1, 9, 2, 2, 64},
            {17, 0, 4, 1, 64}, {17, 45, 9, 3, 48}, {71, 0, 8, 2, 40}, {71, 200, 3, 1, 20}};

    @ParameterizedTest
    @ValueSource(strings = {"avx2", "generic"})
    void attentionMatchesReferenceAndThreadCountsAgree(String isa) {
        TransformerKernelsTest.useIsa(isa);
        for (int[] tc : CASES) {
            int T = tc[0], pos = tc[1], H = tc[2], KVH = tc[3], D = tc[4], ctx = pos + T + 5;
            String what = isa + " attentionF16Kv T=" + T + " pos=" + pos + " H=" + H + " KVH=" + KVH + " D=" + D;
            int n = pos + T;
            float[] q = gauss(T * H * D), k = gauss(n * KVH * D), v = gauss(n * KVH * D);
            try (ShortPointer kc = new ShortPointer((long) KVH * ctx * D); ShortPointer vc = new ShortPointer((long) KVH * ctx * D);
                 FloatPointer qp = new FloatPointer(q); FloatPointer out = new FloatPointer((long) T * H * D)) {
                store(kc, vc, k, v, 0, pos, KVH, D, ctx);  // the past, then the new tokens
                store(kc, vc, k, v, pos, T, KVH, D, ctx);
                Kernels.setThreads(1);
                Kernels.attentionF16Kv(out, qp, kc, vc, T, pos, H, KVH, D, ctx);
                float[] one = TransformerKernelsTest.read(out, T * H * D);
                Kernels.setThreads(2);
                Kernels.attentionF16Kv(out, qp, kc, vc, T, pos, H, KVH, D, ctx);
                float[] two = TransformerKernelsTest.read(out, T * H * D);
                if (T <= 3) assertArrayEquals(one, two, what + ": 1 and 2 threads differ");
                TransformerKernelsTest.close(what, TransformerKernelsTest.attentionRef(q, round(k), round(v), T, pos, H, KVH, D), two);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"avx2", "generic"})
    void storeWritesHalfBitsHeadMajor(String isa) {
        TransformerKernelsTest.useIsa(isa);
        int KVH = 3, D = 20, ctx = 11, pos = 4, T = 5;
        float[] k = gauss(T * KVH * D), v = gauss(T * KVH * D);
        // edge values: ties, subnormals, overflow to inf, signed zero
        float[] edge = {0.5f + 0x1p-12f, 1 + 0x1p-11f, 1 + 3 * 0x1p-11f, 6e-8f, 3e-8f, 2.9e-8f, -1e-7f, 65519f, 65520f, 1e6f, -0f, 1e-40f};
        System.arraycopy(edge, 0, k, 0, edge.length);
        for (int i = 0; i < k.length; i += 7) k[i] *= 1e-5f;
        try (ShortPointer kc = new ShortPointer((long) KVH * ctx * D); ShortPointer vc = new ShortPointer((long) KVH * ctx * D)) {
            kc.fill(0x5555 & 0xff);  // a byte pattern: positions outside the store must keep it
            vc.fill(0x5555 & 0xff);
            short pattern = kc.get(0);
            store(kc, vc, k, v, 0, T, KVH, D, ctx, pos);
            short[] gk = new short[KVH * ctx * D], gv = new short[KVH * ctx * D];
            kc.position(0).get(gk);
            vc.position(0).get(gv);
            for (int g = 0; g < KVH; g++) {
                for (int p = 0; p < ctx; p++) {
                    for (int d = 0; d < D; d++) {
                        int at = (g * ctx + p) * D + d;
                        boolean in = p >= pos && p < pos + T;
                        int src = ((p - pos) * KVH + g) * D + d;
                        assertEquals(in ? Half.f32ToF16(k[src]) : pattern, gk[at], isa + " k head " + g + " pos " + p + " col " + d);
                        assertEquals(in ? Half.f32ToF16(v[src]) : pattern, gv[at], isa + " v head " + g + " pos " + p + " col " + d);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"avx2", "generic"})
    void ropeOfCachedKeysEqualsRopeOfTheirFloats(String isa) {
        TransformerKernelsTest.useIsa(isa);
        int KVH = 2, D = 40, ctx = 30, start = 7, count = 13;
        float[] k = gauss(ctx * KVH * D);
        int[] shift = new int[count];
        Arrays.fill(shift, -5);
        try (ShortPointer kc = new ShortPointer((long) KVH * ctx * D); ShortPointer vc = new ShortPointer((long) KVH * ctx * D);
             IntPointer p = new IntPointer(shift); FloatPointer ref = new FloatPointer(round(Arrays.copyOfRange(k, start * KVH * D, (start + count) * KVH * D)))) {
            store(kc, vc, k, k, 0, ctx, KVH, D, ctx);
            Kernels.kvRopeF16(kc, p, start, count, KVH, D, ctx, 10000f, 1f, null, false);
            Kernels.rope(ref, p, count, KVH, D, 10000f, 1f, null, false);
            float[] r = TransformerKernelsTest.read(ref, count * KVH * D);
            short[] got = new short[KVH * ctx * D];
            kc.position(0).get(got);
            for (int g = 0; g < KVH; g++) {
                for (int pp = 0; pp < ctx; pp++) {
                    for (int d = 0; d < D; d++) {
                        boolean in = pp >= start && pp < start + count;
                        short want = Half.f32ToF16(in ? r[((pp - start) * KVH + g) * D + d] : k[(pp * KVH + g) * D + d]);
                        assertEquals(want, got[(g * ctx + pp) * D + d], isa + " head " + g + " pos " + pp + " col " + d);
                    }
                }
            }
        }
    }

    @Test
    void badArgumentsThrowBeforeTheNativeCall() {
        Kernels.load();
        int KVH = 2, D = 8, ctx = 10, H = 4;
        try (ShortPointer kc = new ShortPointer((long) KVH * ctx * D); ShortPointer vc = new ShortPointer((long) KVH * ctx * D);
             ShortPointer small = new ShortPointer((long) KVH * ctx * D - 1); FloatPointer k = new FloatPointer(3L * KVH * D);
             FloatPointer q = new FloatPointer(3L * H * D); FloatPointer out = new FloatPointer(3L * H * D);
             IntPointer p = new IntPointer(3)) {
            assertThrows(IllegalArgumentException.class, () -> Kernels.kvStoreF16(kc, vc, k, k, 3, 8, KVH, D, ctx));  // pos + T > ctx
            assertThrows(IllegalArgumentException.class, () -> Kernels.kvStoreF16(kc, small, k, k, 3, 0, KVH, D, ctx));
            assertThrows(IllegalArgumentException.class, () -> Kernels.kvStoreF16(kc, vc, k, k, 4, 0, KVH, D, ctx));  // k holds 3 rows
            assertThrows(IllegalArgumentException.class, () -> Kernels.kvStoreF16(kc, vc, k, k, 1, -1, KVH, D, ctx));
            assertThrows(IllegalArgumentException.class, () -> Kernels.kvStoreF16(kc, vc, k, k, 1, 0, KVH, 0, ctx));
            assertThrows(IllegalArgumentException.class, () -> Kernels.kvStoreF16(null, vc, k, k, 1, 0, KVH, D, ctx));
            assertThrows(IllegalArgumentException.class, () -> Kernels.attentionF16Kv(out, q, kc, vc, 3, 8, H, KVH, D, ctx));
            assertThrows(IllegalArgumentException.class, () -> Kernels.attentionF16Kv(out, q, kc, vc, 1, 0, 3, KVH, D, ctx));  // 2 ∤ 3
            assertThrows(IllegalArgumentException.class, () -> Kernels.attentionF16Kv(out, q, kc, small, 1, 0, H, KVH, D, ctx));
            assertThrows(IllegalArgumentException.class, () -> Kernels.attentionF16Kv(out, q, kc, vc, 4, 0, H, KVH, D, ctx));  // q holds 3
            assertThrows(IllegalArgumentException.class, () -> Kernels.attentionF16Kv(out, q, kc, vc, 1, 0, H, KVH, D, 100));  // ctx > buffers
            assertThrows(IllegalArgumentException.class, () -> Kernels.kvRopeF16(kc, p, 8, 3, KVH, D, ctx, 1e4f, 1f, null, false));
            assertThrows(IllegalArgumentException.class, () -> Kernels.kvRopeF16(kc, p, 0, 4, KVH, D, ctx, 1e4f, 1f, null, false));
            assertThrows(IllegalArgumentException.class, () -> Kernels.kvRopeF16(kc, p, 0, 3, KVH, 7, ctx, 1e4f, 1f, null, false));
        }
    }

    /** kvStoreF16 of rows [from, from + T) of k, v (n, KVH, D) at cache position {@code at} (default: from). */
    private static void store(ShortPointer kc, ShortPointer vc, float[] k, float[] v, int from, int T, int KVH, int D, int ctx) {
        store(kc, vc, k, v, from, T, KVH, D, ctx, from);
    }

    private static void store(ShortPointer kc, ShortPointer vc, float[] k, float[] v, int from, int T, int KVH, int D, int ctx, int at) {
        if (T == 0) return;
        int a = from * KVH * D, b = (from + T) * KVH * D;
        try (FloatPointer kp = new FloatPointer(Arrays.copyOfRange(k, a, b)); FloatPointer vp = new FloatPointer(Arrays.copyOfRange(v, a, b))) {
            Kernels.kvStoreF16(kc, vc, kp, vp, T, at, KVH, D, ctx);
        }
    }

    private static float[] round(float[] x) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = Half.f16ToF32(Half.f32ToF16(x[i]));
        return r;
    }

    private float[] gauss(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
