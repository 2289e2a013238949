package dev.cortado.model;

import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine against a plain double-precision Java forward pass on small random models that cover
 * what the shared models do not: qwen2 (rotate-half RoPE, Q/K/V biases), an untied output, GQA with
 * 3 query heads per KV head, rope_freqs factors and linear RoPE scaling, prompts longer than a batch;
 * with both KV cache types.
 */
class ReferenceForwardTest {
    static ModelFile randomModel(String arch, RopeScaling scaling, boolean freqs, long seed) {
        int dim = 48, layers = 2, heads = 6, kvHeads = 2, headDim = 8, ffn = 40, vocab = 37, ctx = 64;
        ModelConfig c = new ModelConfig(arch, "random", dim, layers, heads, kvHeads, headDim, ffn, vocab, ctx, 1e-5f,
                10000f, scaling, false);
        Random r = new Random(seed);
        LinkedHashMap<String, Tensor> t = new LinkedHashMap<>();
        put(t, r, TensorNames.TOKEN_EMBD, 1.0, vocab, dim);
        put(t, r, TensorNames.OUTPUT_NORM, -1, dim);
        put(t, r, TensorNames.OUTPUT, 0.2, vocab, dim);
        if (freqs) {
            float[] f = new float[headDim / 2];
            for (int i = 0; i < f.length; i++) f[i] = 1 + i;
            t.put(TensorNames.ROPE_FREQS, Tensor.ofFloats(TensorNames.ROPE_FREQS, TensorType.F32, new long[]{f.length}, f));
        }
        for (int l = 0; l < layers; l++) {
            put(t, r, TensorNames.layer(l, "attn_norm"), -1, dim);
            put(t, r, TensorNames.layer(l, "attn_q"), 0.2, heads * headDim, dim);
            put(t, r, TensorNames.layer(l, "attn_k"), 0.2, kvHeads * headDim, dim);
            put(t, r, TensorNames.layer(l, "attn_v"), 0.2, kvHeads * headDim, dim);
            put(t, r, TensorNames.layer(l, "attn_output"), 0.2, dim, heads * headDim);
            put(t, r, TensorNames.layer(l, "ffn_norm"), -1, dim);
            put(t, r, TensorNames.layer(l, "ffn_gate"), 0.2, ffn, dim);
            put(t, r, TensorNames.layer(l, "ffn_up"), 0.2, ffn, dim);
            put(t, r, TensorNames.layer(l, "ffn_down"), 0.2, dim, ffn);
            if (arch.equals("qwen2")) {
                put(t, r, TensorNames.layerBias(l, "attn_q"), 0.5, heads * headDim);
                put(t, r, TensorNames.layerBias(l, "attn_k"), 0.5, kvHeads * headDim);
                put(t, r, TensorNames.layerBias(l, "attn_v"), 0.5, kvHeads * headDim);
            }
        }
        return new ModelFile(Path.of("random-" + arch), ModelFormat.GGUF, "synthetic", c, t, null, null, List.of());
    }

    /** scale < 0: a norm weight around 1. */
    static void put(Map<String, Tensor> t, Random r, String name, double scale, long... shape) {
        float[] v = new float[(int) Tensor.elementCount(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (scale < 0 ? 1 + 0.1 * r.nextGaussian() : scale * r.nextGaussian());
        t.put(name, Tensor.ofFloats(name, TensorType.F32, shape, v));
    }

    /** Logits of every position, in double precision, straight from the definitions. */
    static double[][] reference(ModelFile m, int[] tokens) {
        ModelConfig c = m.config();
        int dim = c.dim(), H = c.nHeads(), KVH = c.nKvHeads(), D = c.headDim(), T = tokens.length;
        boolean halves = c.arch().ggufRopeLayout() == RopeLayout.HALVES;
        double scale = c.ropeScaling() != null && c.ropeScaling().type().equals("linear") ? 1.0 / c.ropeScaling().factor() : 1;
        float[] ff = m.tensor(TensorNames.ROPE_FREQS) == null ? null : m.tensor(TensorNames.ROPE_FREQS).toFloats();
        float[] emb = m.tensor(TensorNames.TOKEN_EMBD).toFloats();
        double[][] x = new double[T][dim];
        for (int t = 0; t < T; t++) for (int i = 0; i < dim; i++) x[t][i] = emb[tokens[t] * dim + i];
        for (int l = 0; l < c.nLayers(); l++) {
            double[][] n = norm(x, m.tensor(TensorNames.layer(l, "attn_norm")).toFloats(), c.rmsEps());
            double[][] q = mm(n, m.tensor(TensorNames.layer(l, "attn_q")), m.tensor(TensorNames.layerBias(l, "attn_q")));
            double[][] k = mm(n, m.tensor(TensorNames.layer(l, "attn_k")), m.tensor(TensorNames.layerBias(l, "attn_k")));
            double[][] v = mm(n, m.tensor(TensorNames.layer(l, "attn_v")), m.tensor(TensorNames.layerBias(l, "attn_v")));
            for (int t = 0; t < T; t++) {
                rope(q[t], H, D, t, c.ropeTheta(), scale, ff, halves);
                rope(k[t], KVH, D, t, c.ropeTheta(), scale, ff, halves);
            }
            double[][] att = new double[T][H * D];
            for (int t = 0; t < T; t++) {
                for (int h = 0; h < H; h++) {
                    int g = h / (H / KVH);
                    double[] s = new double[t + 1];
                    double mx = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j <= t; j++) {
                        for (int i = 0; i < D; i++) s[j] += q[t][h * D + i] * k[j][g * D + i];
                        s[j] /= Math.sqrt(D);
                        mx = Math.max(mx, s[j]);
                    }
                    for (int j = 0; j <= t; j++) sum += s[j] = Math.exp(s[j] - mx);
                    for (int j = 0; j <= t; j++) for (int i = 0; i < D; i++) att[t][h * D + i] += s[j] / sum * v[j][g * D + i];
                }
            }
            add(x, mm(att, m.tensor(TensorNames.layer(l, "attn_output")), null));
            n = norm(x, m.tensor(TensorNames.layer(l, "ffn_norm")).toFloats(), c.rmsEps());
            double[][] gate = mm(n, m.tensor(TensorNames.layer(l, "ffn_gate")), null);
            double[][] up = mm(n, m.tensor(TensorNames.layer(l, "ffn_up")), null);
            for (int t = 0; t < T; t++) for (int i = 0; i < gate[t].length; i++) gate[t][i] = gate[t][i] / (1 + Math.exp(-gate[t][i])) * up[t][i];
            add(x, mm(gate, m.tensor(TensorNames.layer(l, "ffn_down")), null));
        }
        return mm(norm(x, m.tensor(TensorNames.OUTPUT_NORM).toFloats(), c.rmsEps()), m.tensor(TensorNames.OUTPUT), null);
    }

    static double[][] norm(double[][] x, float[] w, double eps) {
        double[][] o = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double ss = 0;
            for (double v : x[t]) ss += v * v;
            double s = 1 / Math.sqrt(ss / x[t].length + eps);
            o[t] = new double[x[t].length];
            for (int i = 0; i < w.length; i++) o[t][i] = x[t][i] * s * w[i];
        }
        return o;
    }

    static double[][] mm(double[][] x, Tensor w, Tensor b) {
        int OC = (int) w.dim(0), C = (int) w.dim(1);
        float[] wf = w.toFloats(), bf = b == null ? null : b.toFloats();
        double[][] y = new double[x.length][OC];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < OC; o++) {
                double s = bf == null ? 0 : bf[o];
                for (int i = 0; i < C; i++) s += wf[o * C + i] * x[t][i];
                y[t][o] = s;
            }
        }
        return y;
    }

    static void add(double[][] x, double[][] d) {
        for (int t = 0; t < x.length; t++) for (int i = 0; i < x[t].length; i++) x[t][i] += d[t][i];
    }

    static void rope(double[] v, int heads, int D, int pos, double theta, double scale, float[] ff, boolean halves) {
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < D / 2; i++) {
                double a = pos * scale * Math.pow(theta, -2.0 * i / D) / (ff == null ? 1 : ff[i]);
                int i0 = h * D + (halves ? i : 2 * i), i1 = h * D + (halves ? i + D / 2 : 2 * i + 1);
                double x0 = v[i0], x1 = v[i1];
                v[i0] = x0 * Math.cos(a) - x1 * Math.sin(a);
                v[i1] = x0 * Math.sin(a) + x1 * Math.cos(a);
            }
        }
    }

    static void check(ModelFile m) {
        int[] tokens = new int[23];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 7 + 3) % m.config().vocabSize();
        double[][] ref = reference(m, tokens);
        for (int batch : new int[]{1, 5, 32}) {
            for (KvCacheType kv : KvCacheType.values()) check(m, tokens, ref, batch, kv);
        }
    }

    /**
     * Normalised max logit error against the float64 reference: 1e-4 with the f32 KV cache; 4e-3 with
     * the f16 one, whose keys and values carry a relative rounding error of up to 2^-11 (seen: 1.1e-3).
     */
    static void check(ModelFile m, int[] tokens, double[][] ref, int batch, KvCacheType kv) {
        int V = m.config().vocabSize();
        double tol = kv == KvCacheType.F32 ? 1e-4 : 4e-3;
        try (Transformer t = new Transformer(m, 0, batch, kv)) {
            float[] all = new float[tokens.length * V];
            t.forwardAll(tokens, 0, all);
            double err = 0, mag = 0;
            for (int i = 0; i < tokens.length; i++) {
                for (int v = 0; v < V; v++) {
                    err = Math.max(err, Math.abs(ref[i][v] - all[i * V + v]));
                    mag = Math.max(mag, Math.abs(ref[i][v]));
                }
            }
            assertTrue(err / mag < tol, m.path() + " batch " + batch + " kv " + kv + ": max error " + err + " of " + mag);
        }
    }

    @Test
    void llamaWithGqaUntiedOutput() {
        check(randomModel("llama", null, false, 1));
    }

    @Test
    void qwen2RotateHalfWithBiases() {
        check(randomModel("qwen2", null, false, 2));
    }

    @Test
    void ropeFreqsAndLinearScaling() {
        check(randomModel("llama", null, true, 3));
        check(randomModel("qwen2", new RopeScaling("linear", 4f, 0, 0, 0), false, 4));
    }

    @Test
    void unsupportedScalingAndArchitectureFailClearly() {
        assertThrows(dev.cortado.CortadoException.class,
                () -> new Transformer(randomModel("llama", new RopeScaling("yarn", 4f, 0, 0, 0), false, 5), 0, 4));
        var e = assertThrows(dev.cortado.CortadoException.class, () -> new Transformer(randomModel("gpt2", null, false, 6), 0, 4));
        assertTrue(e.getMessage().contains("architecture 'gpt2' is not supported"), e.getMessage());
    }
}
