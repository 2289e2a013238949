package dev.cortado.model;

import dev.cortado.CortadoException;
import dev.cortado.tensor.BlockCodec;
import dev.cortado.tensor.Codecs;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/** Converts one tensor to another element type (dequantize to f32, quantize), rows in parallel. */
public final class TensorConversion {
    private TensorConversion() {}

    /** The tensor in {@code type}; the same object when it already is. */
    public static Tensor convert(Tensor t, TensorType type) {
        if (t.type() == type) return t;
        BlockCodec from = Codecs.of(t.type());
        BlockCodec to = Codecs.of(type);
        if (from == null) throw new CortadoException("tensor " + t.name() + ": cannot read tensor type " + t.type());
        if (to == null) throw new CortadoException("tensor " + t.name() + ": cannot write tensor type " + type);
        long n = t.elementCount();
        long outBytes = type.byteSize(n);
        if (n > Integer.MAX_VALUE - 8 || outBytes > Integer.MAX_VALUE || t.byteSize() > Integer.MAX_VALUE) {
            throw new CortadoException("tensor " + t.name() + " is too large to convert in one piece (" + n + " elements)");
        }
        int rowLength = (int) (t.rank() == 0 ? 1 : t.dim(t.rank() - 1));
        int rows = (int) (n / Math.max(1, rowLength));
        long inRowBytes = t.type().byteSize(rowLength);
        long outRowBytes = type.byteSize(rowLength);
        ByteBuffer src = t.bytes();
        ByteBuffer dst = ByteBuffer.allocate((int) outBytes).order(ByteOrder.LITTLE_ENDIAN);
        // chunks of rows; codecs address buffers absolutely, so disjoint chunks can run in parallel
        int rowsPerChunk = Math.max(1, (1 << 16) / Math.max(1, rowLength));
        int chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
        IntStream.range(0, chunks).parallel().forEach(c -> {
            int r0 = c * rowsPerChunk;
            int r1 = Math.min(rows, r0 + rowsPerChunk);
            float[] buf = new float[(r1 - r0) * rowLength];
            ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            from.dequantize(in, (int) (r0 * inRowBytes), buf, 0, buf.length);
            to.quantize(buf, 0, buf.length, out, (int) (r0 * outRowBytes));
        });
        return Tensor.ofBytes(t.name(), type, t.shape(), dst);
    }
}
