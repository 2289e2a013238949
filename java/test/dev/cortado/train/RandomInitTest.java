package dev.cortado.train;

import dev.cortado.Progress;
import dev.cortado.chat.ChatTemplate;
import dev.cortado.model.ModelConfig;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.ModelWriter;
import dev.cortado.model.Transformer;
import dev.cortado.tensor.Tensor;
import dev.cortado.tokenizer.ByteLevel;
import dev.cortado.tokenizer.TokenizerData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random initial weights, the in-memory model, and the GGUF written from it loading and running. */
class RandomInitTest {
    @TempDir
    Path tmp;

    static ModelConfig config(int vocab) {
        return new ModelConfig("llama", "tiny", 32, 2, 4, 2, 8, 64, vocab, 64, 1e-5f, 10000f, null, false);
    }

    /** A byte-level vocabulary: the 256 bytes, no merges, then ChatML's three special tokens. */
    static TokenizerData byteVocabulary() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(ByteLevel.encode(new byte[]{(byte) b}));
        tokens.addAll(List.of(ChatVocabulary.END_OF_TEXT, ChatVocabulary.IM_START, ChatVocabulary.IM_END));
        int[] types = new int[tokens.size()];
        Arrays.fill(types, TokenizerData.NORMAL);
        for (int i = 256; i < types.length; i++) types[i] = TokenizerData.CONTROL;
        return new TokenizerData("gpt2", "gpt-2", tokens, null, types, List.of(), null, null, null, null, null,
                false, false, null);
    }

    @Test
    void initialisationFollowsTheLlamaRecipe() {
        ModelConfig c = config(259);
        List<Tensor> ts = RandomInit.tensors(c, 7);
        assertEquals(1 + 2 * 9 + 2, ts.size());
        for (Tensor t : ts) {
            float[] v = t.toFloats();
            String n = t.name();
            if (n.contains("norm")) {
                for (float x : v) assertEquals(1f, x, n);
                continue;
            }
            double want = n.contains("attn_output") || n.contains("ffn_down") ? 0.02 / Math.sqrt(4) : 0.02;
            double mean = 0, sq = 0;
            for (float x : v) {
                mean += x;
                sq += x * x;
            }
            mean /= v.length;
            double std = Math.sqrt(sq / v.length - mean * mean);
            assertEquals(0, mean, 4 * want / Math.sqrt(v.length) + 1e-4, n);
            assertEquals(want, std, want * 0.15, n);
        }
        // seeded: the same seed, the same weights; another seed, others
        assertArrayEquals(ts.get(3).toFloats(), RandomInit.tensors(c, 7).get(3).toFloats());
        assertFalse(Arrays.equals(ts.get(3).toFloats(), RandomInit.tensors(c, 8).get(3).toFloats()));
    }

    @Test
    void chatVocabularyMakesImEndTheEndOfTurn() {
        String chatml = ChatTemplate.builtin("chatml").source();
        TokenizerData t = ChatVocabulary.of(byteVocabulary(), chatml);
        assertEquals(258, t.eosId());
        assertEquals(258, t.eotId());
        assertEquals(256, t.padId());
        assertEquals(null, t.bosId());
        assertEquals(chatml, t.chatTemplate());
    }

    @Test
    void theWrittenGgufLoadsAndRuns() {
        TokenizerData tok = ChatVocabulary.of(byteVocabulary(), ChatTemplate.builtin("chatml").source());
        ModelConfig c = config(tok.vocabSize());
        Path out = tmp.resolve("init.gguf");
        try (ModelFile m = RandomInit.model(Path.of("init"), c, tok, 1)) {
            assertEquals("in memory", m.formatDetail());
            ModelWriter.writeGguf(m, out, null, Progress.NONE);
        }
        try (ModelFile f = ModelLoader.open(out)) {
            f.validate();
            assertEquals(c.dim(), f.config().dim());
            assertEquals(c.nKvHeads(), f.config().nKvHeads());
            assertEquals(tok, f.tokenizer());
            assertNotNull(f.chatTemplate());
            try (Transformer t = new Transformer(f, 16, 4)) {
                float[] logits = t.forward(new int[]{257, 'H', 'i'}, 0);
                assertEquals(tok.vocabSize(), logits.length);
                for (float x : logits) assertTrue(Float.isFinite(x));
                // tiny random weights: the output distribution is close to uniform
                float max = Float.NEGATIVE_INFINITY, min = Float.POSITIVE_INFINITY;
                for (float x : logits) {
                    max = Math.max(max, x);
                    min = Math.min(min, x);
                }
                assertTrue(max - min < 2, "logits spread " + (max - min));
            }
        }
    }
}
