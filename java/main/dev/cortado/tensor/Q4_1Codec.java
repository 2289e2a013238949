package dev.cortado.tensor;

import java.nio.ByteBuffer;

import static dev.cortado.tensor.QuantMath.*;

/**
 * Q4_1: blocks of 32 as fp16 scale d, fp16 min m and 16 bytes of 4-bit q (nibbles as Q4_0),
 * x = d * q + m. Bit-exact with ggml's reference.
 */
public final class Q4_1Codec implements BlockCodec {
    public static final Q4_1Codec INSTANCE = new Q4_1Codec();

    private Q4_1Codec() {}

    @Override
    public void dequantize(ByteBuffer src, int srcOffset, float[] dst, int dstOffset, int n) {
        checkCount(TensorType.Q4_1, n);
        for (int b = 0; b < n / 32; b++) {
            int o = srcOffset + 20 * b;
            int y = dstOffset + 32 * b;
            float d = half(src, o);
            float m = half(src, o + 2);
            for (int j = 0; j < 16; j++) {
                int q = src.get(o + 4 + j) & 0xff;
                dst[y + j] = (q & 0x0F) * d + m;
                dst[y + j + 16] = (q >> 4) * d + m;
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset) {
        checkCount(TensorType.Q4_1, n);
        for (int b = 0; b < n / 32; b++) {
            int x = srcOffset + 32 * b;
            int o = dstOffset + 20 * b;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                float v = src[x + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 15;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.putShort(o, Half.f32ToF16(d));
            dst.putShort(o + 2, Half.f32ToF16(min));
            for (int j = 0; j < 16; j++) {
                int xi0 = Math.min(15, (byte) truncToInt32((src[x + j] - min) * id + 0.5f)) & 0xff;
                int xi1 = Math.min(15, (byte) truncToInt32((src[x + 16 + j] - min) * id + 0.5f)) & 0xff;
                dst.put(o + 4 + j, (byte) (xi0 | (xi1 << 4)));
            }
        }
    }
}
