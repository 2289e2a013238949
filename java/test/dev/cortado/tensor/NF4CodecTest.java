package dev.cortado.tensor;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NF4: the paper's levels, the per-row layout and sizes, and the round-trip error on gaussian data. */
class NF4CodecTest {
    /** Table 1 / Appendix E of the QLoRA paper (the values bitsandbytes uses), as doubles. */
    static final double[] PAPER = {-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
            -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534,
            0.16093020141124725, 0.24611230194568634, 0.33791524171829224, 0.44070982933044434,
            0.5626170039176941, 0.7229568362236023, 1.0};

    @Test
    void levelsAreThePapers() {
        assertEquals(16, NF4Codec.LEVELS.length);
        for (int i = 0; i < 16; i++) assertEquals((float) PAPER[i], NF4Codec.LEVELS[i], 0f, "level " + i);
        for (int i = 1; i < 16; i++) assertTrue(NF4Codec.LEVELS[i - 1] < NF4Codec.LEVELS[i]);
    }

    @Test
    void typeIsCortadosOwnAndSizedPerRow() {
        assertFalse(TensorType.NF4.isGgml());
        assertNull(TensorType.fromGgmlId(TensorType.NF4.ggmlId()));
        for (TensorType t : TensorType.values()) if (t.isGgml()) assertSame(t, TensorType.fromGgmlId(t.ggmlId()));
        assertSame(NF4Codec.INSTANCE, TensorType.NF4.codec());
        assertEquals(8 + 33, TensorType.NF4.rowBytes(64));
        assertEquals(8 + 33 * 64, TensorType.NF4.rowBytes(4096));            // 64 blocks: one group
        assertEquals(16 + 33 * 257, TensorType.NF4.rowBytes(64 * 257));      // 257 blocks: two groups
        assertEquals(3 * (16 + 33 * 257), TensorType.NF4.byteSize(3, 64 * 257));
        assertEquals(5 * 18 * 4, TensorType.Q4_0.byteSize(5, 128));        // GGML types: as before
        Tensor t = Tensor.ofBytes("w", TensorType.NF4, new long[]{3, 4096}, ByteBuffer.allocate(3 * (8 + 33 * 64)));
        assertEquals(3 * (8 + 33 * 64), t.byteSize());
    }

    @Test
    void roundTripErrorIsSmall() {
        Random r = new Random(5);
        int rows = 4, C = 64 * 300;  // two groups per row
        float[] x = new float[rows * C];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * (i % 1000 < 64 ? 10 : 1));
        ByteBuffer q = Codecs.quantizeRows(TensorType.NF4, x, C);
        assertEquals(TensorType.NF4.byteSize(rows, C), q.capacity());
        float[] y = Codecs.dequantizeRows(TensorType.NF4, q, 0, rows, C);
        double se = 0, sx = 0;
        for (int i = 0; i < x.length; i++) {
            se += (x[i] - y[i]) * (double) (x[i] - y[i]);
            sx += x[i] * (double) x[i];
        }
        double rel = Math.sqrt(se / sx);
        System.out.printf("NF4 round trip: relative RMS error %.4f%n", rel);
        assertTrue(rel < 0.11, "relative RMS error " + rel);  // 4-bit: Q4_0 gives about 0.10 on such data
        // Exact values round-trip exactly: a block of levels times a power of two.
        float[] exact = new float[64];
        for (int j = 0; j < 64; j++) exact[j] = NF4Codec.LEVELS[j % 16] * 4f;
        float[] back = Codecs.dequantize(TensorType.NF4, Codecs.quantize(TensorType.NF4, exact), 0, 64);
        for (int j = 0; j < 64; j++) assertEquals(exact[j], back[j], 0f, "element " + j);
    }
}
