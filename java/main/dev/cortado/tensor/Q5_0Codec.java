package dev.cortado.tensor;

import java.nio.ByteBuffer;

import static dev.cortado.tensor.QuantMath.*;

/**
 * Q5_0: blocks of 32 as fp16 scale d, 4 bytes qh (bit j = 5th bit of element j) and 16 bytes of low
 * nibbles (as Q4_0), x = d * (q - 16). Bit-exact with ggml's reference.
 */
public final class Q5_0Codec implements BlockCodec {
    public static final Q5_0Codec INSTANCE = new Q5_0Codec();

    private Q5_0Codec() {}

    @Override
    public void dequantize(ByteBuffer src, int srcOffset, float[] dst, int dstOffset, int n) {
        checkCount(TensorType.Q5_0, n);
        for (int b = 0; b < n / 32; b++) {
            int o = srcOffset + 22 * b;
            int y = dstOffset + 32 * b;
            float d = half(src, o);
            int qh = src.getInt(o + 2);
            for (int j = 0; j < 16; j++) {
                int q = src.get(o + 6 + j) & 0xff;
                int h0 = ((qh >>> j) << 4) & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = (((q & 0x0F) | h0) - 16) * d;
                dst[y + j + 16] = (((q >> 4) | h1) - 16) * d;
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset) {
        checkCount(TensorType.Q5_0, n);
        for (int b = 0; b < n / 32; b++) {
            int x = srcOffset + 32 * b;
            int o = dstOffset + 22 * b;
            float amax = 0;
            float max = 0;
            for (int j = 0; j < 32; j++) {
                float v = src[x + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.putShort(o, Half.f32ToF16(d));
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int xi0 = Math.min(31, (byte) truncToInt32(src[x + j] * id + 16.5f)) & 0xff;
                int xi1 = Math.min(31, (byte) truncToInt32(src[x + 16 + j] * id + 16.5f)) & 0xff;
                dst.put(o + 6 + j, (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4)));
                qh |= ((xi0 & 0x10) >>> 4) << j;
                qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
            }
            dst.putInt(o + 2, qh);
        }
    }
}
