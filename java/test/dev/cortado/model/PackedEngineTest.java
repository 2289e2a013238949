package dev.cortado.model;

import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine with its Q4_0 / Q4_K / Q8_0 weights repacked at load ({@link Linear#pack}) against the same
 * model unpacked: every weight packed (the output and the layers' seven), and the logits of a prompt
 * (prefill) and of decoded tokens (the fused products) agree within 1e-2 of their scale. The products
 * are the same int8 sums in another float order (1e-5 apart, PackedWeightsKernelsTest), but each
 * layer rounds its input to int8 again, and a last-bit difference can move one element across a
 * rounding boundary (up to d / 2, the bound of MatmulKernelsTest): measured 9e-4 after 26 positions.
 * Greedy decoding picks the same tokens.
 */
class PackedEngineTest {
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q4_0", "Q4_K", "Q8_0"})
    void packedMatchesUnpacked(TensorType type) {
        ModelFile m = model(type);
        int V = m.config().vocabSize();
        int[] prompt = new int[20];
        for (int i = 0; i < prompt.length; i++) prompt[i] = (i * 7 + 3) % V;
        try (Transformer packed = new Transformer(m, 64, 8, KvCacheType.F16, true);
             Transformer plain = new Transformer(m, 64, 8, KvCacheType.F16, false)) {
            assertEquals(1 + 7 * 2, packed.packedWeights(), "the output and every layer weight packed");
            assertEquals(0, plain.packedWeights());
            float[] a = packed.forward(prompt, 0).clone(), b = plain.forward(prompt, 0);
            close(a, b, type + " prompt");
            int next = argmax(b);
            for (int pos = prompt.length; pos < prompt.length + 12; pos++) {
                a = packed.forward(new int[]{next}, pos).clone();
                b = plain.forward(new int[]{next}, pos);
                close(a, b, type + " position " + pos);
                assertEquals(argmax(b), argmax(a), type + " greedy token at " + pos);
                next = argmax(b);
            }
        }
    }

    private static void close(float[] a, float[] b, String what) {
        double err = 0, mag = 1e-30;
        for (int i = 0; i < a.length; i++) {
            err = Math.max(err, Math.abs(a[i] - b[i]));
            mag = Math.max(mag, Math.abs(b[i]));
        }
        assertTrue(err / mag < 1e-2, what + ": packed vs plain error " + err / mag);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** A small llama of 256-wide rows (Q4_K's super-block), every matrix in {@code type}. */
    static ModelFile model(TensorType type) {
        int dim = 256, layers = 2, heads = 4, kvHeads = 2, headDim = 64, ffn = 512, vocab = 64, ctx = 64;
        ModelConfig c = new ModelConfig("llama", "random", dim, layers, heads, kvHeads, headDim, ffn, vocab, ctx, 1e-5f,
                10000f, null, false);
        Random r = new Random(5);
        LinkedHashMap<String, Tensor> t = new LinkedHashMap<>();
        put(t, r, TensorNames.TOKEN_EMBD, TensorType.F32, 1.0, vocab, dim);
        put(t, r, TensorNames.OUTPUT_NORM, TensorType.F32, -1, dim);
        put(t, r, TensorNames.OUTPUT, type, 0.2, vocab, dim);
        for (int l = 0; l < layers; l++) {
            put(t, r, TensorNames.layer(l, "attn_norm"), TensorType.F32, -1, dim);
            put(t, r, TensorNames.layer(l, "attn_q"), type, 0.1, heads * headDim, dim);
            put(t, r, TensorNames.layer(l, "attn_k"), type, 0.1, kvHeads * headDim, dim);
            put(t, r, TensorNames.layer(l, "attn_v"), type, 0.1, kvHeads * headDim, dim);
            put(t, r, TensorNames.layer(l, "attn_output"), type, 0.1, dim, heads * headDim);
            put(t, r, TensorNames.layer(l, "ffn_norm"), TensorType.F32, -1, dim);
            put(t, r, TensorNames.layer(l, "ffn_gate"), type, 0.1, ffn, dim);
            put(t, r, TensorNames.layer(l, "ffn_up"), type, 0.1, ffn, dim);
            put(t, r, TensorNames.layer(l, "ffn_down"), type, 0.1, dim, ffn);
        }
        return new ModelFile(Path.of("random-" + type), ModelFormat.GGUF, "synthetic", c, t, null, null, List.of());
    }

    /** scale < 0: a norm weight around 1. */
    private static void put(LinkedHashMap<String, Tensor> t, Random r, String name, TensorType type, double scale, long... shape) {
        float[] v = new float[(int) Tensor.elementCount(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (scale < 0 ? 1 + 0.1 * r.nextGaussian() : scale * r.nextGaussian());
        t.put(name, Tensor.ofFloats(name, type, shape, v));
    }
}
