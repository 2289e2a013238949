package dev.cortado.tensor;

import java.nio.ByteBuffer;

import static dev.cortado.tensor.QuantMath.*;

/**
 * The shared quantizer of Q4_K (nmax 15) and Q5_K (nmax 31), after ggml's {@code quantize_row_q4_K_ref}
 * and {@code quantize_row_q5_K_ref}: an affine fit per sub-block of 32, the fits' scales and mins
 * quantized to 6 bits against two fp16 super-block scales, then every element re-quantized against
 * the stored (rounded) scales.
 */
final class KQuantizer {
    private KQuantizer() {}

    static void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset,
                         int nmax, float rmin, float rdelta, int nstep) {
        boolean q5 = nmax == 31;
        int blockBytes = q5 ? 176 : 144;
        int[] L = new int[256];
        int[] laux = new int[32];
        float[] weights = new float[32];
        float[] mins = new float[8];
        float[] scales = new float[8];
        int[] ls = new int[8];
        int[] lm = new int[8];
        for (int b = 0; b < n / 256; b++) {
            int x = srcOffset + 256 * b;
            int o = dstOffset + blockBytes * b;
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < 8; j++) {
                float sumX2 = 0;
                for (int l = 0; l < 32; l++) sumX2 += src[x + 32 * j + l] * src[x + 32 * j + l];
                float avX = (float) Math.sqrt(sumX2 / 32);  // == sqrtf: double sqrt rounds to float exactly
                for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(src[x + 32 * j + l]);
                scales[j] = makeQkx2Quants(32, nmax, src, x + 32 * j, weights, L, 32 * j, laux,
                        rmin, rdelta, nstep, false, mins, j);
                if (scales[j] > maxScale) maxScale = scales[j];
                if (mins[j] > maxMin) maxMin = mins[j];
            }
            float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
            float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
            for (int j = 0; j < 8; j++) {
                // ggml stores nearest_int into a uint8_t before clamping: keep the wrap-around
                ls[j] = Math.min(63, nearestInt(invScale * scales[j]) & 0xff);
                lm[j] = Math.min(63, nearestInt(invMin * mins[j]) & 0xff);
            }
            packScalesK4(ls, lm, dst, o + 4);
            short dh = Half.f32ToF16(maxScale / 63.f);
            short mh = Half.f32ToF16(maxMin / 63.f);
            dst.putShort(o, dh);
            dst.putShort(o + 2, mh);
            float dAll = Half.f16ToF32(dh);
            float mAll = Half.f16ToF32(mh);
            for (int j = 0; j < 8; j++) {
                float d = dAll * ls[j];
                if (d == 0) continue;
                float dm = mAll * lm[j];
                for (int ii = 0; ii < 32; ii++) {
                    int l = nearestInt((src[x + 32 * j + ii] + dm) / d);
                    L[32 * j + ii] = Math.max(0, Math.min(nmax, l));
                }
            }
            if (q5) {
                int qh = o + 16;
                int ql = o + 48;
                byte[] h = new byte[32];
                int m1 = 1, m2 = 2;
                for (int g = 0; g < 256; g += 64) {
                    for (int j = 0; j < 32; j++) {
                        int l1 = L[g + j];
                        if (l1 > 15) {
                            l1 -= 16;
                            h[j] |= (byte) m1;
                        }
                        int l2 = L[g + j + 32];
                        if (l2 > 15) {
                            l2 -= 16;
                            h[j] |= (byte) m2;
                        }
                        dst.put(ql + j, (byte) (l1 | (l2 << 4)));
                    }
                    m1 <<= 2;
                    m2 <<= 2;
                    ql += 32;
                }
                for (int j = 0; j < 32; j++) dst.put(qh + j, h[j]);
            } else {
                int q = o + 16;
                for (int g = 0; g < 256; g += 64) {
                    for (int l = 0; l < 32; l++) dst.put(q + l, (byte) (L[g + l] | (L[g + l + 32] << 4)));
                    q += 32;
                }
            }
        }
    }
}
