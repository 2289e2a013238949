package dev.cortado.model;

import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class QkPermutationTest {
    /** Rows labelled by their index; 2 heads of width 4, 3 columns. */
    private static Tensor labelled() {
        float[] v = new float[8 * 3];
        for (int r = 0; r < 8; r++) for (int c = 0; c < 3; c++) v[r * 3 + c] = r;
        return Tensor.ofFloats("q", TensorType.F32, new long[] {8, 3}, v);
    }

    @Test
    void matchesLlamaCppPermute() {
        // convert_hf_to_gguf permute: reshape (heads, 2, d/2, C) -> swap axes 1,2. Within a head of 4:
        // GGUF row order = HF rows 0, 2, 1, 3.
        float[] g = QkPermutation.hfToGguf(labelled(), 2).toFloats();
        float[] rowsOf = new float[8];
        for (int r = 0; r < 8; r++) rowsOf[r] = g[r * 3];
        assertArrayEquals(new float[] {0, 2, 1, 3, 4, 6, 5, 7}, rowsOf);
    }

    @Test
    void roundTripsOnQuantizedRows() {
        float[] v = new float[16 * 64];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i * 0.37);
        Tensor t = Tensor.ofFloats("k", TensorType.F16, new long[] {16, 64}, v);
        Tensor back = QkPermutation.ggufToHf(QkPermutation.hfToGguf(t, 4), 4);
        byte[] a = new byte[(int) t.byteSize()];
        byte[] b = new byte[(int) t.byteSize()];
        t.bytes().get(a);
        back.bytes().get(b);
        assertArrayEquals(a, b);
    }
}
