package dev.cortado.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The codec of each type Cortado can convert, and whole-array helpers over them. */
public final class Codecs {
    private Codecs() {}

    /** The codec for {@code type}, or null when Cortado cannot (de)quantize it. */
    public static BlockCodec of(TensorType type) {
        return switch (type) {
            case F32 -> F32Codec.INSTANCE;
            case F16 -> F16Codec.INSTANCE;
            case BF16 -> Bf16Codec.INSTANCE;
            default -> null;
        };
    }

    public static boolean supports(TensorType type) {
        return of(type) != null;
    }

    /** Dequantizes {@code n} elements at {@code offset} of {@code src}. */
    public static float[] dequantize(TensorType type, ByteBuffer src, int offset, int n) {
        float[] out = new float[n];
        require(type).dequantize(src.duplicate().order(ByteOrder.LITTLE_ENDIAN), offset, out, 0, n);
        return out;
    }

    /** Quantizes all of {@code src} (length a multiple of the block size) into a new buffer. */
    public static ByteBuffer quantize(TensorType type, float[] src) {
        long bytes = type.byteSize(src.length);
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor over 2 GiB: quantize in rows");
        ByteBuffer out = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        require(type).quantize(src, 0, src.length, out, 0);
        return out;
    }

    private static BlockCodec require(TensorType type) {
        BlockCodec c = of(type);
        if (c == null) throw new UnsupportedOperationException("no codec for tensor type " + type);
        return c;
    }

    static final class F32Codec implements BlockCodec {
        static final F32Codec INSTANCE = new F32Codec();

        @Override
        public void dequantize(ByteBuffer src, int srcOffset, float[] dst, int dstOffset, int n) {
            for (int i = 0; i < n; i++) dst[dstOffset + i] = src.getFloat(srcOffset + 4 * i);
        }

        @Override
        public void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset) {
            for (int i = 0; i < n; i++) dst.putFloat(dstOffset + 4 * i, src[srcOffset + i]);
        }
    }

    static final class F16Codec implements BlockCodec {
        static final F16Codec INSTANCE = new F16Codec();

        @Override
        public void dequantize(ByteBuffer src, int srcOffset, float[] dst, int dstOffset, int n) {
            for (int i = 0; i < n; i++) dst[dstOffset + i] = Half.f16ToF32(src.getShort(srcOffset + 2 * i));
        }

        @Override
        public void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset) {
            for (int i = 0; i < n; i++) dst.putShort(dstOffset + 2 * i, Half.f32ToF16(src[srcOffset + i]));
        }
    }

    static final class Bf16Codec implements BlockCodec {
        static final Bf16Codec INSTANCE = new Bf16Codec();

        @Override
        public void dequantize(ByteBuffer src, int srcOffset, float[] dst, int dstOffset, int n) {
            for (int i = 0; i < n; i++) dst[dstOffset + i] = Half.bf16ToF32(src.getShort(srcOffset + 2 * i));
        }

        @Override
        public void quantize(float[] src, int srcOffset, int n, ByteBuffer dst, int dstOffset) {
            for (int i = 0; i < n; i++) dst.putShort(dstOffset + 2 * i, Half.f32ToBf16(src[srcOffset + i]));
        }
    }
}
