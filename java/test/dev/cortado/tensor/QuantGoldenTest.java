package dev.cortado.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Java codecs against ggml itself: quantized bytes equal to {@code quantize_row_<type>_ref}'s and
 * dequantized floats bit-for-bit equal to {@code dequantize_row_<type>}'s, over the golden cases made
 * by tools/quant-golden/make-golden.py (gaussian, uniform, outliers, zero blocks, ties, tiny, large...).
 */
class QuantGoldenTest {
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void matchesGgmlBitForBit(TensorType type) throws Exception {
        List<QuantGolden> cases = QuantGolden.load(type);
        assertTrue(cases.size() >= 10, "golden cases for " + type);
        BlockCodec codec = Codecs.of(type);
        for (QuantGolden g : cases) {
            int n = g.input().length;
            if (!g.dequantizeOnly()) {
                ByteBuffer q = Codecs.quantizeRows(type, g.input(), g.rowLength());
                assertBytes(type, g, g.quantized(), q.array());
                // the single-call path gives the same bytes as the row-parallel one
                ByteBuffer whole = ByteBuffer.allocate(g.quantized().length).order(ByteOrder.LITTLE_ENDIAN);
                codec.quantize(g.input(), 0, n, whole, 0);
                assertBytes(type, g, g.quantized(), whole.array());
            }
            ByteBuffer src = ByteBuffer.wrap(g.quantized()).order(ByteOrder.LITTLE_ENDIAN);
            float[] y = Codecs.dequantizeRows(type, src, 0, g.rows(), g.rowLength());
            for (int i = 0; i < n; i++) {
                if (Float.floatToRawIntBits(y[i]) != Float.floatToRawIntBits(g.dequantized()[i])) {
                    fail(type + " " + g.name() + ": dequantized element " + i + " is " + y[i] + ", ggml gives " + g.dequantized()[i]);
                }
            }
        }
    }

    private static void assertBytes(TensorType type, QuantGolden g, byte[] want, byte[] got) {
        assertEquals(want.length, got.length, type + " " + g.name() + ": byte count");
        for (int i = 0; i < want.length; i++) {
            if (want[i] != got[i]) {
                int block = i / type.blockBytes();
                fail(type + " " + g.name() + ": byte " + i + " (block " + block + ", offset " + (i % type.blockBytes())
                        + ") is " + (got[i] & 0xff) + ", ggml gives " + (want[i] & 0xff));
            }
        }
    }
}
