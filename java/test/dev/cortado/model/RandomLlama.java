package dev.cortado.model;

import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;

/**
 * Small random two-layer models of 256-wide rows (Q4_K's and Q6_K's super-block) for the engine's tests:
 * the query, key, value, output, gate and up weights (and the untied output) in {@code attn}, the down
 * weight in {@code down}; qwen2 adds Q/K/V biases (rotate-half RoPE); {@code freqs} adds Llama 3's rope_freqs.
 */
final class RandomLlama {
    private RandomLlama() {}

    static ModelFile model(String arch, TensorType attn, TensorType down, boolean freqs, long seed, int ctx) {
        return model(arch, attn, attn, down, freqs, seed, ctx);
    }

    /** As above with the value weights in {@code value} (a Q4_K_M file's mix: q4_k or q5_0 query and key, q6_k or q8_0 value). */
    static ModelFile model(String arch, TensorType attn, TensorType value, TensorType down, boolean freqs, long seed, int ctx) {
        int dim = 256, layers = 2, heads = 4, kvHeads = 2, headDim = 64, ffn = 512, vocab = 64;
        ModelConfig c = new ModelConfig(arch, "random", dim, layers, heads, kvHeads, headDim, ffn, vocab, ctx, 1e-5f,
                10000f, null, false);
        Random r = new Random(seed);
        LinkedHashMap<String, Tensor> t = new LinkedHashMap<>();
        put(t, r, TensorNames.TOKEN_EMBD, TensorType.F32, 1.0, vocab, dim);
        put(t, r, TensorNames.OUTPUT_NORM, TensorType.F32, -1, dim);
        put(t, r, TensorNames.OUTPUT, attn, 0.2, vocab, dim);
        if (freqs) {
            float[] f = new float[headDim / 2];
            for (int i = 0; i < f.length; i++) f[i] = 1 + 0.25f * i;
            t.put(TensorNames.ROPE_FREQS, Tensor.ofFloats(TensorNames.ROPE_FREQS, TensorType.F32, new long[]{f.length}, f));
        }
        for (int l = 0; l < layers; l++) {
            put(t, r, TensorNames.layer(l, "attn_norm"), TensorType.F32, -1, dim);
            put(t, r, TensorNames.layer(l, "attn_q"), attn, 0.1, heads * headDim, dim);
            put(t, r, TensorNames.layer(l, "attn_k"), attn, 0.1, kvHeads * headDim, dim);
            put(t, r, TensorNames.layer(l, "attn_v"), value, 0.1, kvHeads * headDim, dim);
            put(t, r, TensorNames.layer(l, "attn_output"), attn, 0.1, dim, heads * headDim);
            put(t, r, TensorNames.layer(l, "ffn_norm"), TensorType.F32, -1, dim);
            put(t, r, TensorNames.layer(l, "ffn_gate"), attn, 0.1, ffn, dim);
            put(t, r, TensorNames.layer(l, "ffn_up"), attn, 0.1, ffn, dim);
            put(t, r, TensorNames.layer(l, "ffn_down"), down, 0.1, dim, ffn);
            if (arch.equals("qwen2")) {
                put(t, r, TensorNames.layerBias(l, "attn_q"), TensorType.F32, 0.5, heads * headDim);
                put(t, r, TensorNames.layerBias(l, "attn_k"), TensorType.F32, 0.5, kvHeads * headDim);
                put(t, r, TensorNames.layerBias(l, "attn_v"), TensorType.F32, 0.5, kvHeads * headDim);
            }
        }
        return new ModelFile(Path.of("random-" + arch + "-" + attn + "-" + value + "-" + down), ModelFormat.GGUF, "synthetic", c, t, null,
                null, List.of());
    }

    /** scale < 0: a norm weight around 1. */
    private static void put(LinkedHashMap<String, Tensor> t, Random r, String name, TensorType type, double scale, long... shape) {
        float[] v = new float[(int) Tensor.elementCount(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (scale < 0 ? 1 + 0.1 * r.nextGaussian() : scale * r.nextGaussian());
        t.put(name, Tensor.ofFloats(name, type, shape, v));
    }
}
