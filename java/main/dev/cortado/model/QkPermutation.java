package dev.cortado.model;

import dev.cortado.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The row permutation of Q and K projections between Hugging Face's rotate-half RoPE layout and
 * GGUF's interleaved one (llama.cpp's convert_hf_to_gguf.py {@code permute}). Within each head of
 * {@code d} rows, HF row {@code s * d/2 + i} (s = 0, 1) is GGUF row {@code 2i + s}. Rows move whole, so
 * this works on any tensor type, quantized ones included, and on bias vectors (rows of one element).
 */
public final class QkPermutation {
    private QkPermutation() {}

    /** HF rotate-half layout to GGUF interleaved: {@code heads} is nHeads for Q, nKvHeads for K. */
    public static Tensor hfToGguf(Tensor t, int heads) {
        return permute(t, heads, true);
    }

    /** GGUF interleaved layout back to HF rotate-half. */
    public static Tensor ggufToHf(Tensor t, int heads) {
        return permute(t, heads, false);
    }

    private static Tensor permute(Tensor t, int heads, boolean toGguf) {
        long rows = t.rank() == 1 ? t.dim(0) : t.dim(0);
        if (rows % heads != 0 || (rows / heads) % 2 != 0) {
            throw new IllegalArgumentException(t.name() + ": " + rows + " rows do not split into " + heads + " heads of even width");
        }
        long rowBytes = t.byteSize() / rows;
        if (t.byteSize() > Integer.MAX_VALUE) throw new UnsupportedOperationException(t.name() + " is over 2 GiB");
        int d = (int) (rows / heads);
        int half = d / 2;
        ByteBuffer src = t.bytes();
        ByteBuffer dst = ByteBuffer.allocate((int) t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        byte[] row = new byte[(int) rowBytes];
        for (int h = 0; h < heads; h++) {
            for (int s = 0; s < 2; s++) {
                for (int i = 0; i < half; i++) {
                    long hfRow = (long) h * d + (long) s * half + i;
                    long ggufRow = (long) h * d + 2L * i + s;
                    long from = toGguf ? hfRow : ggufRow;
                    long to = toGguf ? ggufRow : hfRow;
                    src.get((int) (from * rowBytes), row);
                    dst.put((int) (to * rowBytes), row);
                }
            }
        }
        return Tensor.ofBytes(t.name(), t.type(), t.shape(), dst);
    }
}
