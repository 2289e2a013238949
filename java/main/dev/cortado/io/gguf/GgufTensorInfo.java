package dev.cortado.io.gguf;

import dev.cortado.tensor.TensorType;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor as a GGUF header describes it: name, dimensions in GGUF order ({@code ne[0]} is the
 * contiguous one, the reverse of Cortado's row-major shapes), element type, and the byte offset of
 * its data relative to the start of the data section. The array is copied in and out, and equality
 * compares its contents.
 */
public record GgufTensorInfo(String name, long[] ne, TensorType type, long offset) {
    public GgufTensorInfo {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    /** The row-major shape, outermost first: {@code ne} reversed. */
    public long[] shape() {
        long[] s = new long[ne.length];
        for (int i = 0; i < ne.length; i++) s[i] = ne[ne.length - 1 - i];
        return s;
    }

    public long elementCount() {
        long n = 1;
        for (long d : ne) n = Math.multiplyExact(n, d);
        return n;
    }

    public long byteSize() {
        return type.byteSize(elementCount());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && t.name.equals(name) && Arrays.equals(t.ne, ne)
                && t.type == type && t.offset == offset;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(ne), type, offset);
    }

    @Override
    public String toString() {
        return name + " " + type + " ne=" + Arrays.toString(ne) + " @" + offset;
    }
}
