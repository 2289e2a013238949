package dev.cortado.model;

import dev.cortado.TestFiles;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Context shifts ({@link Transformer#shiftContext}) with the f16 KV cache: after shifting, the f16
 * engine's logits stay within the f16 bound of {@link ReferenceForwardTest} (4e-3 normalised) of the
 * f32 engine's after the same shift, step after step; and greedy generation past the context with
 * sliding (stories260K, a 48-position context, 150 tokens) gives the same text with either cache.
 */
class KvCacheShiftTest {
    @Test
    void f16ShiftTracksF32Shift() {
        for (ModelFile m : new ModelFile[]{ReferenceForwardTest.randomModel("llama", null, false, 1),
                ReferenceForwardTest.randomModel("qwen2", null, false, 2)}) {
            int V = m.config().vocabSize(), ctx = 32;
            int[] tokens = new int[ctx];
            for (int i = 0; i < ctx; i++) tokens[i] = (i * 5 + 1) % V;
            try (Transformer a = new Transformer(m, ctx, 8, KvCacheType.F16); Transformer b = new Transformer(m, ctx, 8, KvCacheType.F32)) {
                assertEquals(KvCacheType.F16, a.kvCacheType());
                a.forward(tokens, 0);
                b.forward(tokens, 0);
                int pos = ctx;
                for (int shift = 0; shift < 3; shift++) {
                    a.shiftContext(4, 10, pos);
                    b.shiftContext(4, 10, pos);
                    pos -= 10;
                    while (pos < ctx) {
                        int[] one = {(pos * 3 + shift) % V};
                        float[] la = a.forward(one, pos).clone(), lb = b.forward(one, pos);
                        double err = 0, mag = 1e-30;
                        for (int v = 0; v < V; v++) {
                            err = Math.max(err, Math.abs(la[v] - lb[v]));
                            mag = Math.max(mag, Math.abs(lb[v]));
                        }
                        assertTrue(err / mag < 4e-3, m.config().architecture() + " shift " + shift + " pos " + pos + ": f16 vs f32 error " + err / mag);
                        pos++;
                    }
                }
            }
        }
    }

    @Test
    void greedyGenerationPastTheContextMatchesF32() {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        String f16 = slide(bin, KvCacheType.F16), f32 = slide(bin, KvCacheType.F32);
        assertTrue(f32.length() > 300, f32);
        assertEquals(f32, f16);
    }

    private static String slide(Path model, KvCacheType kv) {
        try (ModelFile f = ModelLoader.open(model); Transformer t = new Transformer(f, 48, 16, kv)) {
            Tokenizer tok = Tokenizers.of(f.tokenizer());
            Generator g = new Generator(t, tok, new Sampler(Sampler.Settings.greedy())).contextShift(true, 4);
            StringBuilder out = new StringBuilder();
            Generator.Result r = g.generate(tok.encodeForModel("Once upon a time"), 150, true, (id, text) -> out.append(text));
            assertEquals(Generator.Stop.LENGTH, r.stop(), kv + ": " + out);
            return out.toString();
        }
    }
}
