package dev.cortado.tensor;

import java.nio.ByteBuffer;

import static dev.cortado.tensor.QuantMath.*;

/**
 * Q5_1: blocks of 32 as fp16 scale d, fp16 min m, 4 bytes qh and 16 bytes of low nibbles (as Q5_0),
 * x = d * q + m. Bit-exact with ggml's reference.
 */
public final class Q5_1Codec implements BlockCodec {
    public static final Q5_1Codec INSTANCE = new Q5_1Codec();

    private Q5_1Codec() {}

    @Override
    public void dequantize(ByteBuffer src, int srcOffset, float[] dst, int dstOffset, int n) {
        checkCount(TensorType.Q5_1, n);
        for (int b = 0; b < n / 32; b++) {
            int o = srcOffset + 24 * b;
            int y = dstOffset + 32 * b;
            float d = half(src, o);
            float m = half(src, o + 2);
            int qh = src.getInt(o + 4);
            for (int j = 0; j < 16; j++) {
                int q = src.get(o + 8 + j) & 0xff;
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = ((q & 0x0F) | h0) * d + m;
                dst[y + j + 16] = ((q >> 4) | h1) * d + m;
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset) {
        checkCount(TensorType.Q5_1, n);
        for (int b = 0; b < n / 32; b++) {
            int x = srcOffset + 32 * b;
            int o = dstOffset + 24 * b;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                float v = src[x + j];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            float d = (max - min) / 31;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.putShort(o, Half.f32ToF16(d));
            dst.putShort(o + 2, Half.f32ToF16(min));
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int xi0 = truncToInt32((src[x + j] - min) * id + 0.5f) & 0xff;
                int xi1 = truncToInt32((src[x + 16 + j] - min) * id + 0.5f) & 0xff;
                dst.put(o + 8 + j, (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4)));
                qh |= ((xi0 & 0x10) >>> 4) << j;
                qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
            }
            dst.putInt(o + 4, qh);
        }
    }
}
