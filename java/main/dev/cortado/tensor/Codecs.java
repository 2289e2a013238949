package dev.cortado.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/** The codec of each type Cortado can convert, and whole-array helpers over them. */
public final class Codecs {
    private Codecs() {}

    /** The codec for {@code type}, or null when Cortado cannot (de)quantize it. */
    public static BlockCodec of(TensorType type) {
        return switch (type) {
            case F32 -> F32Codec.INSTANCE;
            case F16 -> F16Codec.INSTANCE;
            case BF16 -> Bf16Codec.INSTANCE;
            case Q8_0 -> Q8_0Codec.INSTANCE;
            case Q4_0 -> Q4_0Codec.INSTANCE;
            case Q4_1 -> Q4_1Codec.INSTANCE;
            case Q5_0 -> Q5_0Codec.INSTANCE;
            case Q5_1 -> Q5_1Codec.INSTANCE;
            case Q4_K -> Q4_KCodec.INSTANCE;
            case Q5_K -> Q5_KCodec.INSTANCE;
            case Q6_K -> Q6_KCodec.INSTANCE;
            case NF4 -> NF4Codec.INSTANCE;
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

    /**
     * Quantizes a whole row-major tensor, rows in parallel (each row is independent in every format,
     * so the bytes equal those of {@link #quantize}). {@code src.length} must be a multiple of
     * {@code rowLength}, itself a multiple of the block size.
     */
    public static ByteBuffer quantizeRows(TensorType type, float[] src, int rowLength) {
        checkRows(type, src.length, rowLength);
        long bytes = type.byteSize(src.length / rowLength, rowLength);
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor over 2 GiB: quantize in slices");
        ByteBuffer out = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        quantizeRows(type, src, 0, src.length / rowLength, rowLength, out, 0);
        return out;
    }

    /** Quantizes {@code rows} rows from {@code src[srcOffset..]} into {@code dst} at byte {@code dstOffset}, in parallel. */
    public static void quantizeRows(TensorType type, float[] src, int srcOffset, int rows, int rowLength,
                                    ByteBuffer dst, int dstOffset) {
        BlockCodec codec = require(type);
        checkRows(type, (long) rows * rowLength, rowLength);
        int rowBytes = Math.toIntExact(type.byteSize(rowLength));
        if (srcOffset < 0 || (long) srcOffset + (long) rows * rowLength > src.length
                || dstOffset < 0 || (long) dstOffset + (long) rows * rowBytes > dst.capacity()) {
            throw new IndexOutOfBoundsException(type + ": " + rows + " rows of " + rowLength + " do not fit the arrays");
        }
        ByteBuffer le = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        parallelRows(rows, rowLength, r -> codec.quantize(src, srcOffset + r * rowLength, rowLength, le, dstOffset + r * rowBytes));
    }

    /** Dequantizes {@code rows} rows of {@code rowLength} elements at byte {@code offset} of {@code src}, in parallel. */
    public static float[] dequantizeRows(TensorType type, ByteBuffer src, int offset, int rows, int rowLength) {
        BlockCodec codec = require(type);
        long n = (long) rows * rowLength;
        checkRows(type, n, rowLength);
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(type + ": " + n + " elements are too many for one array");
        int rowBytes = Math.toIntExact(type.byteSize(rowLength));
        if (offset < 0 || (long) offset + (long) rows * rowBytes > src.capacity()) {
            throw new IndexOutOfBoundsException(type + ": " + rows + " rows of " + rowLength + " exceed the " + src.capacity() + "-byte buffer");
        }
        float[] out = new float[(int) n];
        ByteBuffer le = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        parallelRows(rows, rowLength, r -> codec.dequantize(le, offset + r * rowBytes, out, r * rowLength, rowLength));
        return out;
    }

    private static void checkRows(TensorType type, long n, int rowLength) {
        if (rowLength <= 0 || rowLength % type.blockSize() != 0 || n % rowLength != 0) {
            throw new IllegalArgumentException(type + ": row length " + rowLength + " must be a positive multiple of the block size "
                    + type.blockSize() + " and divide the element count " + n);
        }
    }

    // Rows are grouped into tasks of ~64K elements so that short rows don't drown in task overhead.
    private static void parallelRows(int rows, int rowLength, java.util.function.IntConsumer row) {
        int perTask = Math.max(1, 65_536 / rowLength);
        int tasks = (rows + perTask - 1) / perTask;
        IntStream.range(0, tasks).parallel().forEach(t -> {
            int end = Math.min(rows, (t + 1) * perTask);
            for (int r = t * perTask; r < end; r++) row.accept(r);
        });
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
