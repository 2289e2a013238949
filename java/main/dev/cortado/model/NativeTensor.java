package dev.cortado.model;

import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

import java.nio.ByteBuffer;

/**
 * Native views of tensor bytes for the kernels: a mapped tensor is used in place; a heap tensor
 * (permuted Hugging Face Q/K, rope_freqs computed from config.json) is copied once into native memory.
 */
final class NativeTensor {
    private NativeTensor() {}

    /** The tensor's bytes in native memory (position 0, capacity = its byte size). */
    static BytePointer bytes(Tensor t) {
        if (t.isMapped()) return new View(t.address(), t.byteSize());
        ByteBuffer b = t.bytes();
        BytePointer p = new BytePointer(t.byteSize());
        byte[] chunk = new byte[1 << 16];
        long off = 0;
        while (b.hasRemaining()) {
            int n = Math.min(chunk.length, b.remaining());
            b.get(chunk, 0, n);
            p.position(off).put(chunk, 0, n);
            off += n;
        }
        return p.position(0);
    }

    /**
     * Gives back memory {@link #bytes} returned once nothing reads it: a mapped tensor's whole pages
     * leave this process's resident set (they are read from the file again if touched: a tied
     * embedding's rows still are), a copy is freed.
     */
    static void release(BytePointer p) {
        if (p instanceof View) dev.cortado.kernels.CpuKernels.cortado_madvise_dontneed(p, p.capacity());
        else p.close();
    }

    /** A small tensor (norm weights, biases, rope_freqs) as native f32, whatever its stored type. */
    static FloatPointer floats(Tensor t) {
        return new FloatPointer(t.toFloats());
    }

    /** A view of memory owned elsewhere (the mapping outlives the model). */
    private static final class View extends BytePointer {
        View(long address, long length) {
            this.address = address;
            this.capacity = length;
            this.limit = length;
        }
    }

    /** The same memory seen as {@code floats} f32 values (position 0). */
    static FloatPointer floatView(BytePointer bytes, long floats) {
        return new FloatView(bytes.address(), floats);
    }

    private static final class FloatView extends FloatPointer {
        FloatView(long address, long length) {
            this.address = address;
            this.capacity = length;
            this.limit = length;
        }
    }

    static boolean isF32(Tensor t) {
        return t.type() == TensorType.F32;
    }
}
