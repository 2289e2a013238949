package dev.cortado.tensor;

import java.nio.ByteBuffer;

import static dev.cortado.tensor.QuantMath.*;

/**
 * Q5_K: super-blocks of 256 = 8 sub-blocks of 32. Layout (176 bytes): fp16 d, fp16 dmin, 12 bytes of
 * packed 6-bit scales and mins (as Q4_K), 32 bytes qh (bit 2k / 2k+1 of byte l = 5th bit of element
 * l / l+32 of the k-th group of 64), 128 bytes of low nibbles (as Q4_K). x = d*sc*q - dmin*m.
 * Bit-exact with ggml's {@code quantize_row_q5_K_ref} and {@code dequantize_row_q5_K}.
 */
public final class Q5_KCodec implements BlockCodec {
    public static final Q5_KCodec INSTANCE = new Q5_KCodec();

    private Q5_KCodec() {}

    @Override
    public void dequantize(ByteBuffer src, int srcOffset, float[] dst, int dstOffset, int n) {
        checkCount(TensorType.Q5_K, n);
        for (int b = 0; b < n / 256; b++) {
            int o = srcOffset + 176 * b;
            int y = dstOffset + 256 * b;
            float d = half(src, o);
            float min = half(src, o + 2);
            int qh = o + 16;
            int ql = o + 48;
            int u1 = 1, u2 = 2;
            for (int is = 0; is < 8; is += 2) {
                float d1 = d * scaleK4(is, src, o + 4);
                float m1 = min * minK4(is, src, o + 4);
                float d2 = d * scaleK4(is + 1, src, o + 4);
                float m2 = min * minK4(is + 1, src, o + 4);
                for (int l = 0; l < 32; l++) {
                    dst[y++] = d1 * ((src.get(ql + l) & 0xF) + ((src.get(qh + l) & u1) != 0 ? 16 : 0)) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    dst[y++] = d2 * (((src.get(ql + l) & 0xff) >> 4) + ((src.get(qh + l) & u2) != 0 ? 16 : 0)) - m2;
                }
                ql += 32;
                u1 <<= 2;
                u2 <<= 2;
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset) {
        checkCount(TensorType.Q5_K, n);
        KQuantizer.quantize(src, srcOffset, n, dst, dstOffset, 31, -0.5f, 0.1f, 15);
    }
}
