package dev.cortado.tensor;

import dev.cortado.io.MappedFile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A named tensor: type, shape and bytes. The bytes are either a zero-copy view of a mapped file
 * (GGUF, safetensors, llama2.c all map) or a heap buffer produced by a conversion.
 *
 * <p>Shapes are row-major, outermost first, as PyTorch and safetensors write them: a weight of a
 * linear layer from C inputs to OC outputs is {@code [OC, C]}. GGUF stores the same dimensions in the
 * reverse order ({@code ne[0]} = C, the contiguous one); the GGUF reader and writer reverse them.
 */
public final class Tensor {
    private final String name;
    private final TensorType type;
    private final long[] shape;
    private final long byteSize;
    private final MappedFile file;  // non-null for a mapped tensor
    private final long fileOffset;
    private final ByteBuffer heap;  // non-null for an in-memory tensor

    private Tensor(String name, TensorType type, long[] shape, MappedFile file, long fileOffset, ByteBuffer heap) {
        this.name = name;
        this.type = type;
        this.shape = shape.clone();
        long n = elementCount(shape);
        if (shape.length > 0 && shape[shape.length - 1] % type.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": row length " + shape[shape.length - 1]
                    + " is not a multiple of " + type + "'s block size " + type.blockSize());
        }
        long row = shape.length > 0 ? shape[shape.length - 1] : 1;
        this.byteSize = row == 0 ? 0 : type.byteSize(n / row, row);  // per row: NF4 rows carry group constants
        this.file = file;
        this.fileOffset = fileOffset;
        this.heap = heap;
    }

    /** A view of {@code file} at {@code offset}; the caller has checked the range lies inside it. */
    public static Tensor mapped(String name, TensorType type, long[] shape, MappedFile file, long offset) {
        return new Tensor(name, type, shape, file, offset, null);
    }

    /** A tensor over {@code bytes} (its whole content, from index 0). */
    public static Tensor ofBytes(String name, TensorType type, long[] shape, ByteBuffer bytes) {
        Tensor t = new Tensor(name, type, shape, null, 0, bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN));
        if (bytes.capacity() != t.byteSize) {
            throw new IllegalArgumentException(name + ": " + bytes.capacity() + " bytes for " + type + " "
                    + Arrays.toString(shape) + " which needs " + t.byteSize);
        }
        return t;
    }

    /** An F32 tensor, or {@code type} quantized from the floats when another type is given. */
    public static Tensor ofFloats(String name, TensorType type, long[] shape, float[] values) {
        if (elementCount(shape) != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + Arrays.toString(shape));
        }
        return ofBytes(name, type, shape, Codecs.quantize(type, values));
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public String name() {
        return name;
    }

    public TensorType type() {
        return type;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i}, outermost first. */
    public long dim(int i) {
        return shape[i];
    }

    public long elementCount() {
        return elementCount(shape);
    }

    public long byteSize() {
        return byteSize;
    }

    public boolean isMapped() {
        return file != null;
    }

    /** Native address of the first byte (mapped tensors only). */
    public long address() {
        if (file == null) throw new IllegalStateException(name + " is not memory-mapped");
        return file.address(fileOffset);
    }

    /** A little-endian view of {@code length} bytes from byte {@code offset} of this tensor. */
    public ByteBuffer bytes(long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > byteSize) {
            throw new IndexOutOfBoundsException(name + ": bytes [" + offset + ", +" + length + ") of " + byteSize);
        }
        if (file != null) return file.slice(fileOffset + offset, length);
        return heap.slice((int) offset, length).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** All bytes (tensors under 2 GiB). */
    public ByteBuffer bytes() {
        if (byteSize > Integer.MAX_VALUE) throw new UnsupportedOperationException(name + " is over 2 GiB: read it in slices");
        return bytes(0, (int) byteSize);
    }

    /** All values as floats (dequantized); for tensors of under 2^31 elements. */
    public float[] toFloats() {
        long n = elementCount();
        if (n > Integer.MAX_VALUE - 8) throw new UnsupportedOperationException(name + " has too many elements for one array");
        return Codecs.dequantize(type, bytes(), 0, (int) n);
    }

    /** The same data under another name (a zero-copy rename). */
    public Tensor renamed(String newName) {
        return new Tensor(newName, type, shape, file, fileOffset, heap);
    }

    /** The same bytes seen with another shape of the same element count (a zero-copy reshape). */
    public Tensor reshaped(long[] newShape) {
        if (elementCount(newShape) != elementCount()) {
            throw new IllegalArgumentException(name + ": cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        }
        return new Tensor(name, type, newShape, file, fileOffset, heap);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
