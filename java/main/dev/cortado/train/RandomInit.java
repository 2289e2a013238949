package dev.cortado.train;

import dev.cortado.model.ModelConfig;
import dev.cortado.model.ModelFile;
import dev.cortado.model.TensorNames;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import dev.cortado.tokenizer.TokenizerData;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The starting weights of a model trained from scratch, as GPT-2 and llm.c initialise them: every
 * embedding and projection drawn from normal(0, 0.02), the projections that write into the residual
 * stream (attn_output, ffn_down) scaled by 1/√(2·layers) so the residual's variance does not grow
 * with depth, norms 1, biases 0. All F32, under GGUF names, in GGUF order.
 *
 * <p>Each tensor draws from its own generator, seeded from {@code seed} and the tensor's name, so the
 * same seed gives the same weights whatever the order or number of tensors around it.
 */
public final class RandomInit {
    /** The standard deviation of embeddings and projections. */
    public static final double STD = 0.02;

    private RandomInit() {}

    /** The tensors of a freshly initialised {@code config} (llama or qwen2), F32, GGUF names. */
    public static List<Tensor> tensors(ModelConfig config, long seed) {
        ModelConfig c = config;
        List<Tensor> out = new ArrayList<>();
        double residualStd = STD / Math.sqrt(2.0 * c.nLayers());
        boolean bias = c.arch() != null && c.arch().qkvBias();
        out.add(normal(TensorNames.TOKEN_EMBD, seed, STD, c.vocabSize(), c.dim()));
        for (int l = 0; l < c.nLayers(); l++) {
            out.add(ones(TensorNames.layer(l, "attn_norm"), c.dim()));
            out.add(normal(TensorNames.layer(l, "attn_q"), seed, STD, c.qDim(), c.dim()));
            out.add(normal(TensorNames.layer(l, "attn_k"), seed, STD, c.kvDim(), c.dim()));
            out.add(normal(TensorNames.layer(l, "attn_v"), seed, STD, c.kvDim(), c.dim()));
            if (bias) {
                out.add(zeros(TensorNames.layerBias(l, "attn_q"), c.qDim()));
                out.add(zeros(TensorNames.layerBias(l, "attn_k"), c.kvDim()));
                out.add(zeros(TensorNames.layerBias(l, "attn_v"), c.kvDim()));
            }
            out.add(normal(TensorNames.layer(l, "attn_output"), seed, residualStd, c.dim(), c.qDim()));
            out.add(ones(TensorNames.layer(l, "ffn_norm"), c.dim()));
            out.add(normal(TensorNames.layer(l, "ffn_gate"), seed, STD, c.ffnDim(), c.dim()));
            out.add(normal(TensorNames.layer(l, "ffn_up"), seed, STD, c.ffnDim(), c.dim()));
            out.add(normal(TensorNames.layer(l, "ffn_down"), seed, residualStd, c.dim(), c.ffnDim()));
        }
        out.add(ones(TensorNames.OUTPUT_NORM, c.dim()));
        if (!c.tiedEmbeddings()) out.add(normal(TensorNames.OUTPUT, seed, STD, c.vocabSize(), c.dim()));
        return out;
    }

    /** A validated in-memory model of freshly initialised weights carrying {@code tokenizer}. */
    public static ModelFile model(Path label, ModelConfig config, TokenizerData tokenizer, long seed) {
        return ModelFile.inMemory(label, config, tensors(config, seed), tokenizer).validate();
    }

    private static Tensor normal(String name, long seed, double std, long... shape) {
        float[] v = new float[Math.toIntExact(Tensor.elementCount(shape))];
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * std);
        return Tensor.ofFloats(name, TensorType.F32, shape, v);
    }

    private static Tensor ones(String name, long n) {
        float[] v = new float[Math.toIntExact(n)];
        Arrays.fill(v, 1f);
        return Tensor.ofFloats(name, TensorType.F32, new long[]{n}, v);
    }

    private static Tensor zeros(String name, long n) {
        return Tensor.ofFloats(name, TensorType.F32, new long[]{n}, new float[Math.toIntExact(n)]);
    }
}
