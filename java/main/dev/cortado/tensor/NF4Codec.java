package dev.cortado.tensor;

import java.nio.ByteBuffer;

/**
 * NF4: QLoRA's 4-bit NormalFloat (Dettmers et al. 2023) with double-quantized block scales, in
 * Cortado's own byte layout (not a GGUF type; {@link TensorType#NF4}).
 *
 * <p>Each element is a 4-bit index into {@link #LEVELS} (the 16 NF4 values of the paper, as
 * bitsandbytes ships them) times the absmax of its block of 64. The block absmaxes are themselves
 * quantized ("double quantization"): per group of up to 256 consecutive blocks of a row, a float32
 * offset (their mean, as QLoRA subtracts it) and a float32 scale, and per block an int8 code.
 *
 * <p>Layout of ONE ROW of {@code C} elements ({@code C} a multiple of 64; every row stands alone, so
 * row {@code r} of a matrix starts at {@code r * TensorType.NF4.rowBytes(C)}). With
 * {@code nb = C / 64} blocks and {@code ng = ceil(nb / 256)} groups:
 * <pre>
 *   bytes [0, 8 ng)             per group g: float32 scale_g, then float32 offset_g (little-endian)
 *   bytes [8 ng, 8 ng + nb)     per block b: int8 code a_b of its absmax, in [-127, 127]
 *   bytes [8 ng + nb, + 32 nb)  per block b: 32 bytes; byte j holds element j in its low nibble
 *                               and element j + 32 in its high nibble
 * </pre>
 * Decoding, in float arithmetic: {@code absmax_b = fma(scale_g, a_b, offset_g)} (one rounding, as
 * {@link Math#fma(float, float, float)} and C's {@code fmaf}) for {@code g = b / 256}, then
 * {@code x = LEVELS[q] * absmax_b}.
 * A row takes {@code 8 ng + 33 nb} bytes, about 4.13 bits per element. The native kernels
 * ({@code cpu/blocks.h}) decode the same floats.
 *
 * <p>Quantization: {@code offset_g} = mean of the group's absmaxes, {@code scale_g} = largest
 * distance from it / 127, {@code a_b} = round((absmax_b - offset_g) / scale_g); each element then
 * takes the level nearest to it for the decoded absmax (not the exact one), so the absmax
 * quantization error is partly absorbed.
 */
public final class NF4Codec implements BlockCodec {
    public static final NF4Codec INSTANCE = new NF4Codec();

    /** The 16 NF4 levels of the QLoRA paper (normal quantiles scaled to [-1, 1], exact 0 at index 7). */
    public static final float[] LEVELS = {
            -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
            -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
            0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
            0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f};

    public static final int BLOCK = 64;
    public static final int GROUP_BLOCKS = 256;

    private NF4Codec() {}

    /** Groups of absmax constants in a row of {@code rowLength} elements. */
    public static long groups(long rowLength) {
        return (rowLength / BLOCK + GROUP_BLOCKS - 1) / GROUP_BLOCKS;
    }

    /** Decodes ONE ROW of {@code n} elements (its whole layout) at {@code srcOffset}. */
    @Override
    public void dequantize(ByteBuffer src, int srcOffset, float[] dst, int dstOffset, int n) {
        QuantMath.checkCount(TensorType.NF4, n);
        int nb = n / BLOCK, ng = (int) groups(n);
        int codes = srcOffset + 8 * ng, qs = codes + nb;
        for (int b = 0; b < nb; b++) {
            float scale = src.getFloat(srcOffset + 8 * (b / GROUP_BLOCKS));
            float offset = src.getFloat(srcOffset + 8 * (b / GROUP_BLOCKS) + 4);
            float absmax = Math.fma(scale, (float) src.get(codes + b), offset);
            int y = dstOffset + BLOCK * b;
            for (int j = 0; j < 32; j++) {
                int q = src.get(qs + 32 * b + j) & 0xff;
                dst[y + j] = LEVELS[q & 0x0F] * absmax;
                dst[y + j + 32] = LEVELS[q >> 4] * absmax;
            }
        }
    }

    /** Encodes ONE ROW of {@code n} elements (a multiple of 64) into its layout at {@code dstOffset}. */
    @Override
    public void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset) {
        QuantMath.checkCount(TensorType.NF4, n);
        int nb = n / BLOCK, ng = (int) groups(n);
        int codes = dstOffset + 8 * ng, qs = codes + nb;
        float[] absmax = new float[nb];
        for (int b = 0; b < nb; b++) {
            float m = 0;
            for (int j = 0; j < BLOCK; j++) m = Math.max(m, Math.abs(src[srcOffset + BLOCK * b + j]));
            absmax[b] = m;
        }
        for (int g = 0; g < ng; g++) {
            int b0 = g * GROUP_BLOCKS, b1 = Math.min(nb, b0 + GROUP_BLOCKS);
            double sum = 0;
            for (int b = b0; b < b1; b++) sum += absmax[b];
            float offset = (float) (sum / (b1 - b0));
            float dev = 0;
            for (int b = b0; b < b1; b++) dev = Math.max(dev, Math.abs(absmax[b] - offset));
            float scale = dev / 127;
            dst.putFloat(dstOffset + 8 * g, scale);
            dst.putFloat(dstOffset + 8 * g + 4, offset);
            for (int b = b0; b < b1; b++) {
                int a = scale > 0 ? (int) Math.max(-127, Math.min(127, Math.round((absmax[b] - offset) / scale))) : 0;
                dst.put(codes + b, (byte) a);
                float decoded = Math.fma(scale, (float) a, offset);  // what the decoder will use
                int x = srcOffset + BLOCK * b;
                for (int j = 0; j < 32; j++) {
                    int lo = nearest(src[x + j], decoded), hi = nearest(src[x + j + 32], decoded);
                    dst.put(qs + 32 * b + j, (byte) (lo | (hi << 4)));
                }
            }
        }
    }

    /** The index of the level whose decoded value is nearest to {@code v} (ties to the lower index). */
    static int nearest(float v, float absmax) {
        int best = 7;
        float bestErr = Math.abs(v);
        for (int i = 0; i < 16; i++) {
            float err = Math.abs(LEVELS[i] * absmax - v);
            if (err < bestErr) {
                bestErr = err;
                best = i;
            }
        }
        return best;
    }
}
