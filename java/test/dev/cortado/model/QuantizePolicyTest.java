package dev.cortado.model;

import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class QuantizePolicyTest {
    private static Tensor shaped(String name, long... shape) {
        return Tensor.ofFloats(name, TensorType.F32, shape, new float[(int) Tensor.elementCount(shape)]);
    }

    @Test
    void followsLlamaCppRules() {
        assertEquals(TensorType.F32, QuantizePolicy.typeFor(shaped("blk.0.attn_norm.weight", 256), TensorType.Q4_K, false));
        assertEquals(TensorType.Q4_K, QuantizePolicy.typeFor(shaped("blk.0.attn_q.weight", 8, 256), TensorType.Q4_K, false));
        // k-quant blocks do not fit 64-wide rows: Q4_K falls back to Q5_0
        assertEquals(TensorType.Q5_0, QuantizePolicy.typeFor(shaped("blk.0.attn_q.weight", 8, 64), TensorType.Q4_K, false));
        // 172-wide rows (stories260K's ffn_down) fit no block: F16
        assertEquals(TensorType.F16, QuantizePolicy.typeFor(shaped("blk.0.ffn_down.weight", 64, 172), TensorType.Q4_0, false));
        // the output projection gets Q6_K, or Q8_0 when rows are not a multiple of 256
        assertEquals(TensorType.Q6_K, QuantizePolicy.typeFor(shaped("output.weight", 4, 512), TensorType.Q4_0, false));
        assertEquals(TensorType.Q8_0, QuantizePolicy.typeFor(shaped("token_embd.weight", 4, 64), TensorType.Q4_0, true));
        assertEquals(TensorType.Q4_0, QuantizePolicy.typeFor(shaped("token_embd.weight", 4, 64), TensorType.Q4_0, false));
        assertEquals(TensorType.Q8_0, QuantizePolicy.typeFor(shaped("output.weight", 4, 512), TensorType.Q8_0, false));
        assertEquals(TensorType.F16, QuantizePolicy.typeFor(shaped("output.weight", 4, 512), TensorType.F16, false));
    }
}
