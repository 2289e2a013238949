package dev.cortado.bench;

import dev.cortado.io.gguf.GgufFile;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.gguf.GgufValue;
import dev.cortado.io.gguf.GgufWriter;
import dev.cortado.model.ModelConfig;
import dev.cortado.model.TensorNames;
import dev.cortado.tensor.Half;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import dev.cortado.train.RandomInit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a random-weight Llama GGUF of a real model's shape for speed benchmarks (tools/bench/generate.sh).
 * Quantized weights are drawn directly as blocks (random quants, small fp16 scales, so values stay
 * near N(0, 0.02²)-sized) — quantizing floats in Java would take minutes for 1B parameters. The
 * K-quant files keep rows that are not whole super-blocks (SmolLM2's 576) in Q5_0, as llama.cpp does. F32
 * files (for the training benchmarks) take {@link RandomInit}'s weights instead. The
 * tokenizer is the 32k Llama-2 SentencePiece vocabulary padded with unused tokens to the shape's size.
 *
 * <p>Usage: RandomModel SHAPE TYPE OUT VOCAB_GGUF, SHAPE = smollm2-135m | llama3.2-1b, TYPE = q8_0 | q4_0 | q4_k | q4_k_m | f32.
 */
public final class RandomModel {
    public static void main(String[] args) {
        ModelConfig c = switch (args[0]) {
            case "smollm2-135m" -> new ModelConfig("llama", "random smollm2-135m", 576, 30, 9, 3, 64, 1536, 49152, 8192,
                    1e-5f, 100000f, null, true);
            case "llama3.2-1b" -> new ModelConfig("llama", "random llama3.2-1b", 2048, 16, 32, 8, 64, 8192, 128256, 131072,
                    1e-5f, 500000f, null, true);
            default -> throw new IllegalArgumentException("shape " + args[0]);
        };
        // q4_k_m: llama.cpp's Q4_K_M recipe: Q4_K, with Q6_K for the (tied) output and for attn_v and ffn_down
        // in the layers use_more_bits picks
        boolean mixed = args[1].equalsIgnoreCase("q4_k_m");
        TensorType type = mixed ? TensorType.Q4_K : TensorType.valueOf(args[1].toUpperCase());
        Path out = Path.of(args[2]);
        GgufMetadata md = new GgufMetadata();
        c.toGguf(md);
        try (GgufFile vocab = GgufFile.open(Path.of(args[3]))) {
            GgufMetadata v = vocab.metadata();
            for (String k : v.keys()) if (k.startsWith("tokenizer.")) md.put(k, v.get(k));
            String[] tokens = v.getStringArray("tokenizer.ggml.tokens");
            float[] scores = v.getFloatArray("tokenizer.ggml.scores");
            int[] types = v.getIntArray("tokenizer.ggml.token_type");
            int n0 = tokens.length, n = c.vocabSize();
            tokens = Arrays.copyOf(tokens, n);
            scores = Arrays.copyOf(scores, n);
            types = Arrays.copyOf(types, n);
            for (int i = n0; i < n; i++) {
                tokens[i] = "<unused" + (i - n0) + ">";
                scores[i] = -1e9f;
                types[i] = 5;  // unused
            }
            md.put("tokenizer.ggml.tokens", GgufValue.ofStrings(tokens));
            md.put("tokenizer.ggml.scores", GgufValue.ofFloats(scores));
            md.put("tokenizer.ggml.token_type", GgufValue.ofInt32s(types));
        }
        if (type == TensorType.F32) {  // training benchmarks (tools/bench/finetune.sh): Cortado's own init, normal(0, 0.02)
            GgufWriter.write(out, md, RandomInit.tensors(c, 42));
            return;
        }
        SplittableRandom rnd = new SplittableRandom(42);
        List<Tensor> ts = new ArrayList<>();
        ts.add(weight(TensorNames.TOKEN_EMBD, mixed ? TensorType.Q6_K : type, c.vocabSize(), c.dim(), rnd));
        ts.add(ones(TensorNames.OUTPUT_NORM, c.dim()));
        for (int l = 0; l < c.nLayers(); l++) {
            int n = c.nLayers();
            TensorType more = mixed && (l < n / 8 || l >= 7 * n / 8 || (l - n / 8) % 3 == 2) ? TensorType.Q6_K : type;
            ts.add(ones(TensorNames.layer(l, "attn_norm"), c.dim()));
            ts.add(weight(TensorNames.layer(l, "attn_q"), type, c.qDim(), c.dim(), rnd));
            ts.add(weight(TensorNames.layer(l, "attn_k"), type, c.kvDim(), c.dim(), rnd));
            ts.add(weight(TensorNames.layer(l, "attn_v"), more, c.kvDim(), c.dim(), rnd));
            ts.add(weight(TensorNames.layer(l, "attn_output"), type, c.dim(), c.qDim(), rnd));
            ts.add(ones(TensorNames.layer(l, "ffn_norm"), c.dim()));
            ts.add(weight(TensorNames.layer(l, "ffn_gate"), type, c.ffnDim(), c.dim(), rnd));
            ts.add(weight(TensorNames.layer(l, "ffn_up"), type, c.ffnDim(), c.dim(), rnd));
            ts.add(weight(TensorNames.layer(l, "ffn_down"), more, c.dim(), c.ffnDim(), rnd));
        }
        GgufWriter.write(out, md, ts);
    }

    private static Tensor ones(String name, int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        return Tensor.ofFloats(name, TensorType.F32, new long[]{n}, v);
    }

    /** A (rows, cols) weight (GGUF shape [cols, rows]) of random blocks. */
    private static Tensor weight(String name, TensorType type, int rows, int cols, SplittableRandom rnd) {
        // as llama.cpp's quantizer: rows that are not whole K-quant super-blocks fall back to Q5_0 (Q6_K: Q8_0)
        if (cols % type.blockSize() != 0) type = type == TensorType.Q6_K ? TensorType.Q8_0 : TensorType.Q5_0;
        long[] shape = {rows, cols};
        long bytes = type.byteSize((long) rows * cols);
        ByteBuffer b = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] block = new byte[type.blockBytes()];
        while (b.hasRemaining()) {
            rnd.nextBytes(block);
            switch (type) {
                case Q8_0 -> putHalf(block, 0, 0.02f / 73);
                case Q4_0 -> putHalf(block, 0, 0.02f / 4.6f);
                case Q5_0 -> putHalf(block, 0, 0.02f / 9.2f);
                case Q4_K -> {
                    putHalf(block, 0, 0.02f / 4.6f / 32);
                    putHalf(block, 2, 0.02f / 4.6f / 32 * 7.5f);
                }
                case Q6_K -> putHalf(block, 208, 0.02f / 74 / 18.5f);  // int8 scales ~74, levels - 32 ~18.5
                case F16 -> putHalf(block, 0, (float) (0.02 * rnd.nextDouble(-1.7, 1.7)));  // uniform, sd ~0.02
                default -> throw new IllegalArgumentException("type " + type);
            }
            b.put(block);
        }
        b.flip();
        return Tensor.ofBytes(name, type, shape, b);
    }

    private static void putHalf(byte[] block, int at, float v) {
        short h = Half.f32ToF16(v);
        block[at] = (byte) h;
        block[at + 1] = (byte) (h >> 8);
    }
}
