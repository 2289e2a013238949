package dev.cortado.model;

import dev.cortado.kernels.Kernels;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-call decode step ({@link DecodeStep}, native/cpu/decode_step.cpp) against the engine's
 * kernel-by-kernel path on the same packed model: the logits of every decoded token are the same bits
 * (the step is built from the kernels' own pieces), for each packed layout, a mix of layouts per layer
 * (the value weights in another layout than the query and key weights, as in Q4_K_M files),
 * stored block types (q4_1, q5_1, q5_k: no x8 layout), float weights (f32, f16, bf16),
 * Q/K/V biases with rotate-half RoPE (qwen2), Llama 3's rope_freqs, 1 to 3 threads, both instruction sets,
 * and past the attention's 128-key chunks. It applies only where it should (int8 products, f16 cache, no LoRA).
 */
class DecodeStepTest {
    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String isa : new String[]{"avx2", "generic"}) {
            for (TensorType t : new TensorType[]{TensorType.Q4_0, TensorType.Q4_K, TensorType.Q8_0, TensorType.Q5_0}) {
                b.add(Arguments.of(isa, "llama", t, t, t, false));
            }
            b.add(Arguments.of(isa, "llama", TensorType.Q5_0, TensorType.Q5_0, TensorType.Q4_K, true));  // SmolLM2 "q4_k": q5_0 rows, q4_k down
            b.add(Arguments.of(isa, "qwen2", TensorType.Q8_0, TensorType.Q8_0, TensorType.Q4_0, false));
            // Q4_K_M files' mixes: the value weights in another type than the query and key weights
            b.add(Arguments.of(isa, "llama", TensorType.Q4_K, TensorType.Q6_K, TensorType.Q6_K, false));
            b.add(Arguments.of(isa, "qwen2", TensorType.Q5_0, TensorType.Q8_0, TensorType.Q6_K, true));
            // stored (unpacked) block types: the types without an x8 layout, alone and beside packed ones
            b.add(Arguments.of(isa, "qwen2", TensorType.Q4_1, TensorType.Q4_1, TensorType.Q5_K, false));
            b.add(Arguments.of(isa, "llama", TensorType.Q5_1, TensorType.Q5_1, TensorType.Q6_K, true));
            b.add(Arguments.of(isa, "llama", TensorType.Q4_0, TensorType.Q5_1, TensorType.Q4_0, false));
            // float weights: 4-row tiles shared by the threads, alone and beside int8 products
            b.add(Arguments.of(isa, "llama", TensorType.F16, TensorType.F16, TensorType.F16, false));
            b.add(Arguments.of(isa, "qwen2", TensorType.BF16, TensorType.BF16, TensorType.F32, true));
            b.add(Arguments.of(isa, "llama", TensorType.F32, TensorType.F16, TensorType.Q8_0, false));
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1} {2}/{3}/{4} rope_freqs={5}")
    @MethodSource("cases")
    void sameBitsAsKernelByKernel(String isa, String arch, TensorType attn, TensorType value, TensorType down, boolean freqs) {
        String isaBefore = Kernels.isa();
        int threadsBefore = Kernels.threads();
        try {
            if (!Kernels.setIsa(isa).equals(isa)) return;  // no AVX2: the generic run covers it
            ModelFile m = RandomLlama.model(arch, attn, value, down, freqs, 11, 192);
            for (int threads = 1; threads <= 3; threads++) {
                Kernels.setThreads(threads);
                compare(m, threads == 2 ? 150 : 24);  // once past a 128-key chunk
            }
        } finally {
            Kernels.setIsa(isaBefore);
            Kernels.setThreads(threadsBefore);
        }
    }

    private static void compare(ModelFile m, int steps) {
        int V = m.config().vocabSize();
        int[] prompt = new int[9];
        for (int i = 0; i < prompt.length; i++) prompt[i] = (i * 5 + 2) % V;
        try (Transformer one = new Transformer(m, 192, 8, KvCacheType.F16, true);
             Transformer each = new Transformer(m, 192, 8, KvCacheType.F16, true)) {
            each.useDecodeStep(false);
            one.forceDecodeStep(true);  // the portable build's single-threaded stored products too
            assertTrue(one.decodesInOneCall(), "every product packed or stored: the one-call step applies");
            assertFalse(each.decodesInOneCall());
            float[] a = one.forward(prompt, 0).clone(), b = each.forward(prompt, 0);
            assertArrayEquals(b, a, "the prompt takes the same path");
            int next = argmax(b);
            for (int pos = prompt.length; pos < prompt.length + steps; pos++) {
                a = one.forward(new int[]{next}, pos).clone();
                b = each.forward(new int[]{next}, pos);
                assertArrayEquals(b, a, "logits at position " + pos + " (" + Kernels.isa() + ", " + Kernels.threads() + " threads)");
                next = (argmax(b) + pos) % V;  // wander over the vocabulary
            }
        }
    }

    @Test
    void appliesOnlyToInt8OrFloatProductsAndAnF16CacheWithoutAdapters() {
        ModelFile m = model("llama", TensorType.Q8_0, TensorType.Q8_0, false);
        try (Transformer unpacked = new Transformer(m, 64, 8, KvCacheType.F16, false);
             Transformer f32 = new Transformer(m, 64, 8, KvCacheType.F32, true)) {
            assertTrue(unpacked.decodesInOneCall() || !Kernels.isa().equals("avx2"), "stored q8_0: the int8 products");
            assertFalse(f32.decodesInOneCall(), "f32 KV cache");
        }
        ModelFile f16Weights = model("llama", TensorType.F16, TensorType.F16, false);
        try (Transformer t = new Transformer(f16Weights, 64, 8, KvCacheType.F16, true)) {
            assertTrue(t.decodesInOneCall(), "f16 weights: the float tiles, on either instruction set");
        }
        ModelFile f32Weights = model("llama", TensorType.F32, TensorType.F32, false);
        try (Transformer t = new Transformer(f32Weights, 64, 8, KvCacheType.F32, true)) {
            assertFalse(t.decodesInOneCall(), "f32 KV cache");
        }
        String before = Kernels.isa();
        try (Transformer t = new Transformer(model("llama", TensorType.Q4_K, TensorType.Q5_K, false), 64, 8, KvCacheType.F16, true)) {
            if (Kernels.setIsa("avx2").equals("avx2")) assertTrue(t.decodesInOneCall(), "stored q5_k on AVX2");
            Kernels.setIsa("generic");
            assertFalse(t.decodesInOneCall(), "stored q5_k on the portable kernels: one thread would multiply it");
        } finally {
            Kernels.setIsa(before);
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    static ModelFile model(String arch, TensorType attn, TensorType down, boolean freqs) {
        return RandomLlama.model(arch, attn, down, freqs, 11, 192);
    }
}
