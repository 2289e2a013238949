package dev.cortado.tensor;

import java.nio.ByteBuffer;

import static dev.cortado.tensor.QuantMath.*;

/**
 * Q4_K: super-blocks of 256 = 8 sub-blocks of 32. Layout (144 bytes): fp16 d, fp16 dmin, 12 bytes of
 * packed 6-bit sub-block scales and mins, 128 bytes of nibbles (each 64 elements: 32 low nibbles,
 * then the 32 high nibbles of the same bytes). x = d*sc*q - dmin*m. Bit-exact with ggml's
 * {@code quantize_row_q4_K_ref} (no importance matrix) and {@code dequantize_row_q4_K}.
 */
public final class Q4_KCodec implements BlockCodec {
    public static final Q4_KCodec INSTANCE = new Q4_KCodec();

    private Q4_KCodec() {}

    @Override
    public void dequantize(ByteBuffer src, int srcOffset, float[] dst, int dstOffset, int n) {
        checkCount(TensorType.Q4_K, n);
        for (int b = 0; b < n / 256; b++) {
            int o = srcOffset + 144 * b;
            int y = dstOffset + 256 * b;
            float d = half(src, o);
            float min = half(src, o + 2);
            int q = o + 16;
            for (int is = 0; is < 8; is += 2) {
                float d1 = d * scaleK4(is, src, o + 4);
                float m1 = min * minK4(is, src, o + 4);
                float d2 = d * scaleK4(is + 1, src, o + 4);
                float m2 = min * minK4(is + 1, src, o + 4);
                for (int l = 0; l < 32; l++) dst[y++] = d1 * (src.get(q + l) & 0xF) - m1;
                for (int l = 0; l < 32; l++) dst[y++] = d2 * ((src.get(q + l) & 0xff) >> 4) - m2;
                q += 32;
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset) {
        checkCount(TensorType.Q4_K, n);
        KQuantizer.quantize(src, srcOffset, n, dst, dstOffset, 15, -1f, 0.1f, 20);
    }
}
