package dev.cortado.tensor;

import java.nio.ByteBuffer;

import static dev.cortado.tensor.QuantMath.*;

/**
 * Q4_0: blocks of 32 as an fp16 scale d and 16 bytes of 4-bit q (element j in the low nibble of
 * byte j, element j+16 in its high nibble), x = d * (q - 8). Bit-exact with ggml's reference.
 */
public final class Q4_0Codec implements BlockCodec {
    public static final Q4_0Codec INSTANCE = new Q4_0Codec();

    private Q4_0Codec() {}

    @Override
    public void dequantize(ByteBuffer src, int srcOffset, float[] dst, int dstOffset, int n) {
        checkCount(TensorType.Q4_0, n);
        for (int b = 0; b < n / 32; b++) {
            int o = srcOffset + 18 * b;
            int y = dstOffset + 32 * b;
            float d = half(src, o);
            for (int j = 0; j < 16; j++) {
                int q = src.get(o + 2 + j) & 0xff;
                dst[y + j] = ((q & 0x0F) - 8) * d;
                dst[y + j + 16] = ((q >> 4) - 8) * d;
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset) {
        checkCount(TensorType.Q4_0, n);
        for (int b = 0; b < n / 32; b++) {
            int x = srcOffset + 32 * b;
            int o = dstOffset + 18 * b;
            float amax = 0;
            float max = 0;
            for (int j = 0; j < 32; j++) {
                float v = src[x + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.putShort(o, Half.f32ToF16(d));
            for (int j = 0; j < 16; j++) {
                int xi0 = Math.min(15, (byte) truncToInt32(src[x + j] * id + 8.5f)) & 0xff;
                int xi1 = Math.min(15, (byte) truncToInt32(src[x + 16 + j] * id + 8.5f)) & 0xff;
                dst.put(o + 2 + j, (byte) (xi0 | (xi1 << 4)));
            }
        }
    }
}
