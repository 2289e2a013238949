package dev.cortado.train;

import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.gguf.GgufWriter;
import dev.cortado.model.ModelConfig;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.TensorNames;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite differences of the whole model in full mode, on tiny random models: a llama with tied
 * embeddings, and a qwen2 with Q/K/V biases, rotate-half RoPE and an untied output (paths the
 * PyTorch reference of TrainModelTest does not take). For each parameter the entries with the
 * largest analytic gradients are perturbed and the central difference of the summed loss compared.
 */
class TrainModelGradCheckTest {
    static ModelFile tinyModel(Path dir, String arch, boolean tied) {
        int dim = 32, layers = 2, heads = 4, kv = 2, hd = 8, ffn = 48, vocab = 40;
        ModelConfig c = new ModelConfig(arch, "tiny " + arch, dim, layers, heads, kv, hd, ffn, vocab, 64, 1e-5f, 10000f, null, tied);
        GgufMetadata md = new GgufMetadata();
        c.toGguf(md);
        SplittableRandom rnd = new SplittableRandom(5);
        List<Tensor> ts = new ArrayList<>();
        ts.add(random(TensorNames.TOKEN_EMBD, rnd, 0.5f, 0, vocab, dim));
        ts.add(random(TensorNames.OUTPUT_NORM, rnd, 0.2f, 1, dim));
        if (!tied) ts.add(random(TensorNames.OUTPUT, rnd, 0.3f, 0, vocab, dim));
        for (int l = 0; l < layers; l++) {
            ts.add(random(TensorNames.layer(l, "attn_norm"), rnd, 0.2f, 1, dim));
            ts.add(random(TensorNames.layer(l, "attn_q"), rnd, 0.3f, 0, heads * hd, dim));
            ts.add(random(TensorNames.layer(l, "attn_k"), rnd, 0.3f, 0, kv * hd, dim));
            ts.add(random(TensorNames.layer(l, "attn_v"), rnd, 0.3f, 0, kv * hd, dim));
            if (arch.equals("qwen2")) {
                ts.add(random(TensorNames.layerBias(l, "attn_q"), rnd, 0.2f, 0, heads * hd));
                ts.add(random(TensorNames.layerBias(l, "attn_k"), rnd, 0.2f, 0, kv * hd));
                ts.add(random(TensorNames.layerBias(l, "attn_v"), rnd, 0.2f, 0, kv * hd));
            }
            ts.add(random(TensorNames.layer(l, "attn_output"), rnd, 0.3f, 0, dim, heads * hd));
            ts.add(random(TensorNames.layer(l, "ffn_norm"), rnd, 0.2f, 1, dim));
            ts.add(random(TensorNames.layer(l, "ffn_gate"), rnd, 0.3f, 0, ffn, dim));
            ts.add(random(TensorNames.layer(l, "ffn_up"), rnd, 0.3f, 0, ffn, dim));
            ts.add(random(TensorNames.layer(l, "ffn_down"), rnd, 0.3f, 0, dim, ffn));
        }
        Path file = dir.resolve(arch + ".gguf");
        GgufWriter.write(file, md, ts);
        return ModelLoader.open(file);
    }

    static Tensor random(String name, SplittableRandom rnd, float scale, float mean, long... shape) {
        float[] v = new float[(int) Tensor.elementCount(shape)];
        for (int i = 0; i < v.length; i++) v[i] = mean + scale * (float) (2 * rnd.nextDouble() - 1);
        return Tensor.ofFloats(name, TensorType.F32, shape, v);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2"})
    void fullModelGradientsMatchFiniteDifferences(String arch, @TempDir Path dir) {
        int rows = 2, T = 6, n = rows * T;
        SplittableRandom rnd = new SplittableRandom(9);
        int[] in = new int[n], tg = new int[n];
        float[] mask = new float[n];
        for (int i = 0; i < n; i++) {
            in[i] = rnd.nextInt(40);
            tg[i] = rnd.nextInt(40);
            mask[i] = i % 5 == 2 ? 0 : 1;
        }
        Batch batch = new Batch(rows, T, in, tg, mask);
        try (ModelFile f = tinyModel(dir, arch, arch.equals("llama")); TrainModel m = TrainModel.full(f, rows, T, false)) {
            m.forwardBackward(batch, 1f);  // gradients of the summed loss
            int checked = 0;
            for (Parameter p : m.parameters()) {
                float[] g = new float[(int) p.size()];
                p.grad().position(0).get(g);
                for (int pick = 0; pick < 2; pick++) {
                    int i = argmaxAbs(g, pick);
                    float v = p.value().get(i);
                    float h = 1e-2f * Math.max(1, Math.abs(v));
                    p.value().put(i, v + h);
                    double up = m.loss(batch).sum();
                    p.value().put(i, v - h);
                    double down = m.loss(batch).sum();
                    p.value().put(i, v);
                    double fd = (up - down) / (2 * h);
                    assertEquals(fd, g[i], 2e-2 * Math.abs(fd) + 2e-3, p.name() + "[" + i + "]: analytic " + g[i] + ", finite difference " + fd);
                    checked++;
                }
            }
            assertTrue(checked >= 2 * (arch.equals("qwen2") ? 22 : 17), "checked " + checked);
        }
    }

    /** The index of the largest |g| (pick 0) or of the largest in the second half of the array (pick 1). */
    static int argmaxAbs(float[] g, int pick) {
        int from = pick == 0 ? 0 : g.length / 2, best = from;
        for (int i = from; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[best])) best = i;
        return best;
    }
}
