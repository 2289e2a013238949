package dev.cortado.tensor;

import java.nio.ByteBuffer;

/**
 * Quantization and dequantization of one {@link TensorType}, in plain Java: the reference that the
 * native kernels are tested against, and what file conversion uses. Buffers are little-endian and
 * addressed absolutely (their position is ignored); counts are multiples of the block size.
 */
public interface BlockCodec {
    /** Decodes {@code n} elements starting at byte {@code srcOffset} into {@code dst[dstOffset..]}. */
    void dequantize(ByteBuffer src, int srcOffset, float[] dst, int dstOffset, int n);

    /** Encodes {@code n} elements of {@code src[srcOffset..]} into bytes at {@code dstOffset}. */
    void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset);
}
