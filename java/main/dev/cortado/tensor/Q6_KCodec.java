package dev.cortado.tensor;

import java.nio.ByteBuffer;

import static dev.cortado.tensor.QuantMath.*;

/**
 * Q6_K: super-blocks of 256 = 16 sub-blocks of 16. Layout (210 bytes): 128 bytes ql (low nibbles),
 * 64 bytes qh (2 high bits each), 16 signed 8-bit sub-block scales, fp16 d. x = d*sc*(q - 32).
 * Bit-exact with ggml's {@code quantize_row_q6_K_ref} and {@code dequantize_row_q6_K}.
 */
public final class Q6_KCodec implements BlockCodec {
    public static final Q6_KCodec INSTANCE = new Q6_KCodec();

    private Q6_KCodec() {}

    @Override
    public void dequantize(ByteBuffer src, int srcOffset, float[] dst, int dstOffset, int n) {
        checkCount(TensorType.Q6_K, n);
        for (int b = 0; b < n / 256; b++) {
            int o = srcOffset + 210 * b;
            int y = dstOffset + 256 * b;
            float d = half(src, o + 208);
            int ql = o, qh = o + 128, sc = o + 192;
            for (int g = 0; g < 2; g++) {
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int lo0 = src.get(ql + l) & 0xff, lo1 = src.get(ql + l + 32) & 0xff, h = src.get(qh + l) & 0xff;
                    int q1 = ((lo0 & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((lo1 & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = ((lo0 >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = ((lo1 >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    dst[y + l] = d * src.get(sc + is) * q1;
                    dst[y + l + 32] = d * src.get(sc + is + 2) * q2;
                    dst[y + l + 64] = d * src.get(sc + is + 4) * q3;
                    dst[y + l + 96] = d * src.get(sc + is + 6) * q4;
                }
                y += 128;
                ql += 64;
                qh += 32;
                sc += 8;
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset) {
        checkCount(TensorType.Q6_K, n);
        int[] L = new int[256];
        float[] scales = new float[16];
        byte[] sc = new byte[16];
        for (int b = 0; b < n / 256; b++) {
            int x = srcOffset + 256 * b;
            int o = dstOffset + 210 * b;
            float maxScale = 0;
            float maxAbsScale = 0;
            for (int ib = 0; ib < 16; ib++) {
                float scale = makeQxQuants(16, 32, src, x + 16 * ib, L, 16 * ib);
                scales[ib] = scale;
                float abs = Math.abs(scale);
                if (abs > maxAbsScale) {
                    maxAbsScale = abs;
                    maxScale = scale;
                }
            }
            if (maxAbsScale < 1e-15f) {  // GROUP_MAX_EPS: the whole block is zero
                for (int k = 0; k < 210; k++) dst.put(o + k, (byte) 0);
                continue;
            }
            float iscale = -128.f / maxScale;
            short dh = Half.f32ToF16(1 / iscale);
            dst.putShort(o + 208, dh);
            float dAll = Half.f16ToF32(dh);
            for (int ib = 0; ib < 16; ib++) {
                sc[ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
                dst.put(o + 192 + ib, sc[ib]);
            }
            for (int j = 0; j < 16; j++) {
                float d = dAll * sc[j];
                if (d == 0) continue;
                for (int ii = 0; ii < 16; ii++) {
                    int l = nearestInt(src[x + 16 * j + ii] / d);
                    L[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
                }
            }
            int ql = o, qh = o + 128;
            for (int g = 0; g < 256; g += 128) {
                for (int l = 0; l < 32; l++) {
                    int a = L[g + l], bb = L[g + l + 32], c = L[g + l + 64], e = L[g + l + 96];
                    dst.put(ql + l, (byte) ((a & 0xF) | ((c & 0xF) << 4)));
                    dst.put(ql + l + 32, (byte) ((bb & 0xF) | ((e & 0xF) << 4)));
                    dst.put(qh + l, (byte) ((a >> 4) | ((bb >> 4) << 2) | ((c >> 4) << 4) | ((e >> 4) << 6)));
                }
                ql += 64;
                qh += 32;
            }
        }
    }
}
