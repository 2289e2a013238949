package dev.cortado.tensor;

import java.nio.ByteBuffer;

import static dev.cortado.tensor.QuantMath.*;

/**
 * Q8_0: blocks of 32 as an fp16 scale d and 32 signed bytes, x = d * q. Bit-exact with ggml's
 * {@code quantize_row_q8_0_ref} / {@code dequantize_row_q8_0}.
 */
public final class Q8_0Codec implements BlockCodec {
    public static final Q8_0Codec INSTANCE = new Q8_0Codec();

    private Q8_0Codec() {}

    @Override
    public void dequantize(ByteBuffer src, int srcOffset, float[] dst, int dstOffset, int n) {
        checkCount(TensorType.Q8_0, n);
        for (int b = 0; b < n / 32; b++) {
            int o = srcOffset + 34 * b;
            float d = half(src, o);
            for (int j = 0; j < 32; j++) dst[dstOffset + 32 * b + j] = src.get(o + 2 + j) * d;
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset) {
        checkCount(TensorType.Q8_0, n);
        for (int b = 0; b < n / 32; b++) {
            int x = srcOffset + 32 * b;
            int o = dstOffset + 34 * b;
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                float a = Math.abs(src[x + j]);
                amax = amax > a ? amax : a;
            }
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            dst.putShort(o, Half.f32ToF16(d));
            for (int j = 0; j < 32; j++) dst.put(o + 2 + j, (byte) roundf(src[x + j] * id));
        }
    }
}
