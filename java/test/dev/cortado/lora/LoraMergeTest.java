package dev.cortado.lora;

import dev.cortado.CortadoException;
import dev.cortado.Progress;
import dev.cortado.TestFiles;
import dev.cortado.io.gguf.GgufFile;
import dev.cortado.io.safetensors.SafetensorsFile;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.ModelWriter;
import dev.cortado.model.TensorNames;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Merging PEFT adapters written by an independent writer into tinystories-656k, against plain Java. */
class LoraMergeTest {
    @TempDir
    Path tmp;

    static Path baseDir() {
        return TestFiles.sharedFile("models/tinystories-656k/model.safetensors").getParent();
    }

    /** A PEFT adapter dir written by the fixture. */
    Path peft(String name, PeftFixture f) throws IOException {
        Path dir = tmp.resolve(name);
        f.write(dir);
        return dir;
    }

    /**
     * Checks the merged GGUF's weights against {@code W_hf + Σ factor·scale·B·A} computed here from the
     * base's Hugging Face tensors (rotate-half layout), permuting Q/K rows by hand.
     */
    static void assertMerged(Path merged, List<PeftFixture> fixtures, List<Double> coefs) {
        try (SafetensorsFile hf = SafetensorsFile.open(baseDir().resolve("model.safetensors"));
             GgufFile out = GgufFile.open(merged)) {
            for (Tensor w : hf.tensors()) {
                String gguf = TensorNames.fromHf(w.name());
                if (gguf == null) continue;
                float[] base = w.toFloats();
                Tensor got = out.tensor(gguf);
                if (got == null && gguf.equals(TensorNames.OUTPUT)) continue;  // tied: the loader drops lm_head
                float[] g = got.toFloats();
                int rows = (int) w.dim(0);
                int cols = w.rank() == 2 ? (int) w.dim(1) : 1;
                String kind = TensorNames.baseOf(gguf);
                int heads = "attn_q".equals(kind) ? 8 : "attn_k".equals(kind) ? 4 : 0;
                double[] delta = new double[base.length];
                boolean touched = false;
                for (int k = 0; k < fixtures.size(); k++) {
                    PeftFixture.Factors f = fixtures.get(k).modules.get(w.name().replace(".weight", ""));
                    if (f == null || coefs.get(k) == 0) continue;
                    touched = true;
                    double[] p = PeftFixture.product(f);
                    for (int i = 0; i < p.length; i++) delta[i] += coefs.get(k) * p[i];
                }
                for (int o = 0; o < rows; o++) {
                    int go = heads > 0 ? PeftFixture.ggufRow(o, rows, heads) : o;
                    for (int i = 0; i < cols; i++) {
                        float want = touched ? (float) (base[o * cols + i] + delta[o * cols + i]) : base[o * cols + i];
                        float have = g[go * cols + i];
                        assertEquals(want, have, Math.max(1e-6f, Math.ulp(want) * 2), gguf + " [" + o + "," + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void independentPeftAdapterChangesWeightsAsTheFormulaSays() throws IOException {
        PeftFixture f = PeftFixture.tinyStories(1, 4, 8, 2);
        Path dir = peft("a", f);
        Path out = tmp.resolve("merged.gguf");
        try (ModelFile base = ModelLoader.open(baseDir())) {
            LoraAdapter a = LoraFiles.open(dir, base.config());
            assertEquals(14, a.tensors().size());
            assertEquals(4, a.rank());
            assertEquals(2.0, a.scale("blk.0.attn_q.weight"));
            LoraMerge.Report r = LoraMerge.merge(base, List.of(new LoraMerge.Weighted(a, 1f)), null, out, Progress.NONE);
            assertEquals(14, r.merged().size());
            for (LoraMerge.Merged m : r.merged()) {
                assertEquals(TensorType.F32, m.type());
                assertEquals(0.0, m.requantError());
            }
            assertEquals(base.tensors().size() - 14, r.copied());
        }
        assertMerged(out, List.of(f), List.of(2.0));
        try (ModelFile m = ModelLoader.open(out)) {
            m.validate();  // still a complete model with the base's metadata
        }
    }

    @Test
    void factorZeroGivesTheBaseExactly() throws IOException {
        Path dir = peft("a", PeftFixture.tinyStories(2, 4, 8, 2));
        Path out = tmp.resolve("merged.gguf");
        try (ModelFile base = ModelLoader.open(baseDir())) {
            LoraAdapter a = LoraFiles.open(dir, base.config());
            LoraMerge.Report r = LoraMerge.merge(base, List.of(new LoraMerge.Weighted(a, 0f)), null, out, Progress.NONE);
            assertEquals(0, r.merged().size());
            try (GgufFile g = GgufFile.open(out)) {
                for (Tensor t : base.tensors().values()) assertArrayEquals(bytes(t), bytes(g.tensor(t.name())), t.name());
            }
        }
    }

    @Test
    void twoAdaptersEachWithItsFactorAndRsLora() throws IOException {
        PeftFixture f1 = PeftFixture.tinyStories(3, 4, 16, 2);
        PeftFixture f2 = new PeftFixture(4, 8, 4);
        f2.rsLora = true;
        f2.add("model.layers.1.self_attn.q_proj", 128, 128).add("model.layers.0.mlp.down_proj", 384, 128)
                .add("model.layers.0.self_attn.k_proj", 128, 64);
        Path out = tmp.resolve("merged.gguf");
        try (ModelFile base = ModelLoader.open(baseDir())) {
            LoraAdapter a1 = LoraFiles.open(peft("a1", f1), base.config());
            LoraAdapter a2 = LoraFiles.open(peft("a2", f2), base.config());
            assertTrue(a2.rsLora());
            assertEquals(4 / Math.sqrt(8), a2.scale("blk.1.attn_q.weight"), 1e-15);
            assertEquals(16 / 4.0, a1.scale("blk.1.attn_q.weight"));
            LoraMerge.merge(base, List.of(new LoraMerge.Weighted(a1, 0.5f), new LoraMerge.Weighted(a2, -1.25f)), null, out, Progress.NONE);
        }
        assertMerged(out, List.of(f1, f2), List.of(0.5 * 16 / 4, -1.25 * 4 / Math.sqrt(8)));
    }

    @Test
    void fanInFanOutDoesNotChangeTheFactors() throws IOException {
        PeftFixture f = PeftFixture.tinyStories(5, 2, 4, 1);
        Path plain = peft("plain", f);
        Path flagged = tmp.resolve("flagged");
        f.write(flagged);
        Files.writeString(flagged.resolve("adapter_config.json"),
                Files.readString(flagged.resolve("adapter_config.json")).replace("\"fan_in_fan_out\": false", "\"fan_in_fan_out\": true"));
        try (ModelFile base = ModelLoader.open(baseDir())) {
            LoraAdapter a = LoraFiles.open(plain, base.config());
            LoraAdapter b = LoraFiles.open(flagged, base.config());
            assertTrue(b.fanInFanOut());
            for (String k : a.tensors().keySet()) {
                assertArrayEquals(a.tensors().get(k).a().toFloats(), b.tensors().get(k).a().toFloats());
                assertArrayEquals(a.tensors().get(k).b().toFloats(), b.tensors().get(k).b().toFloats());
            }
        }
    }

    @Test
    void quantizedBaseIsRequantizedWithinQ8Bounds() throws IOException {
        PeftFixture f = PeftFixture.tinyStories(6, 4, 8, 2);
        Path dir = peft("a", f);
        Path q8 = tmp.resolve("base-q8_0.gguf");
        try (ModelFile base = ModelLoader.open(baseDir())) {
            ModelWriter.writeGguf(base, q8, TensorType.Q8_0, Progress.NONE);
        }
        Path out = tmp.resolve("merged-q8.gguf");
        try (ModelFile base = ModelLoader.open(q8)) {
            LoraAdapter a = LoraFiles.open(dir, base.config());
            LoraMerge.Report r = LoraMerge.merge(base, List.of(new LoraMerge.Weighted(a, 1f)), null, out, Progress.NONE);
            assertEquals(14, r.merged().size());
            try (GgufFile g = GgufFile.open(out)) {
                for (LoraMerge.Merged m : r.merged()) {
                    assertEquals(TensorType.Q8_0, m.type(), m.name());
                    Tensor bt = base.tensor(m.name());
                    Tensor got = g.tensor(m.name());
                    assertEquals(TensorType.Q8_0, got.type());
                    // fp32 merged, from the dequantized base plus the update in the base's GGUF layout
                    LoraAdapter.Pair p = a.tensors().get(m.name());
                    float[] want = bt.toFloats();
                    float[] pa = p.a().toFloats();
                    float[] pb = p.b().toFloats();
                    int in = (int) p.in();
                    for (int o = 0; o < p.out(); o++) {
                        for (int i = 0; i < in; i++) {
                            double s = 0;
                            for (int j = 0; j < p.rank(); j++) s += (double) pb[o * p.rank() + j] * pa[j * in + i];
                            want[o * in + i] = (float) (want[o * in + i] + 2.0 * s);
                        }
                    }
                    float[] have = got.toFloats();
                    for (int blk = 0; blk < want.length; blk += 32) {
                        float amax = 0;
                        for (int i = blk; i < blk + 32; i++) amax = Math.max(amax, Math.abs(want[i]));
                        // half a step d = amax/127, plus what rounding d to f16 adds over 127 steps (127 · d · 2^-11)
                        float bound = amax / 127f * (0.5f + 127f / 2048f) + 1e-7f;
                        for (int i = blk; i < blk + 32; i++) assertTrue(Math.abs(have[i] - want[i]) <= bound, m.name() + " element " + i);
                    }
                    double err = LoraMerge.relativeRms(want, have);
                    assertEquals(err, m.requantError(), 1e-6, m.name());
                    assertTrue(m.requantError() > 0 && m.requantError() < 0.01, m.name() + " error " + m.requantError());
                }
                for (Tensor t : base.tensors().values()) {
                    if (!a.tensors().containsKey(t.name())) assertArrayEquals(bytes(t), bytes(g.tensor(t.name())), t.name());
                }
            }
        }
    }

    @Test
    void typeOptionAppliesToMergedWeightsWithQuantizePolicyFallbacks() throws IOException {
        Path dir = peft("a", PeftFixture.tinyStories(7, 4, 8, 1));
        Path out = tmp.resolve("merged.gguf");
        try (ModelFile base = ModelLoader.open(baseDir())) {
            LoraAdapter a = LoraFiles.open(dir, base.config());
            LoraMerge.Report r = LoraMerge.merge(base, List.of(new LoraMerge.Weighted(a, 1f)), TensorType.Q4_K, out, Progress.NONE);
            // rows of 128 and 384 are not multiples of Q4_K's 256: Q5_0, as quantize would choose
            for (LoraMerge.Merged m : r.merged()) {
                assertEquals(TensorType.Q5_0, m.type(), m.name());
                assertTrue(m.requantError() > 0 && m.requantError() < 0.1, m.name());
            }
            try (GgufFile g = GgufFile.open(out)) {
                assertEquals(TensorType.F32, g.tensor("blk.1.attn_q.weight").type(), "untouched tensors keep their type");
            }
        }
    }

    @Test
    void adapterForAnotherModelIsRefusedNamingTheTensor() throws IOException {
        PeftFixture f = new PeftFixture(8, 4, 8);
        f.add("model.layers.0.self_attn.v_proj", 128, 64).add("model.layers.1.mlp.down_proj", 256, 128);
        Path wrongShape = peft("shape", f);
        PeftFixture g = new PeftFixture(9, 4, 8);
        g.add("model.layers.7.mlp.up_proj", 128, 384);
        Path wrongLayer = peft("layer", g);
        Path out = tmp.resolve("merged.gguf");
        try (ModelFile base = ModelLoader.open(baseDir())) {
            LoraAdapter a = LoraFiles.open(wrongShape, base.config());
            CortadoException e = assertThrows(CortadoException.class,
                    () -> LoraMerge.merge(base, List.of(new LoraMerge.Weighted(a, 1f)), null, out, Progress.NONE));
            assertTrue(e.getMessage().contains("blk.1.ffn_down.weight") && e.getMessage().contains("[128, 256]"), e.getMessage());
            LoraAdapter b = LoraFiles.open(wrongLayer, base.config());
            e = assertThrows(CortadoException.class, () -> b.validateAgainst(base));
            assertTrue(e.getMessage().contains("blk.7.ffn_up.weight") && e.getMessage().contains("no counterpart"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        assertFalse(Files.exists(out));
    }

    @Test
    void lmHeadOnATiedModelIsRefused() throws IOException {
        PeftFixture f = new PeftFixture(10, 2, 4);
        f.add("lm_head", 128, 2048);
        Path dir = peft("a", f);
        try (ModelFile base = ModelLoader.open(baseDir())) {
            LoraAdapter a = LoraFiles.open(dir, base.config());
            assertEquals(List.of("output.weight"), List.copyOf(a.tensors().keySet()));
            CortadoException e = assertThrows(CortadoException.class, () -> a.validateAgainst(base));
            assertTrue(e.getMessage().contains("ties its output projection"), e.getMessage());
        }
    }

    @Test
    void failedMergeLeavesNoPartialFile() throws IOException {
        Path dir = peft("a", PeftFixture.tinyStories(11, 4, 8, 2));
        Path out = tmp.resolve("merged.gguf");
        Files.writeString(out, "the old file");
        Progress failing = new Progress() {
            int n;

            @Override
            public void start(String what, long total, String unit) {}

            @Override
            public void advance(long units) {
                if (++n == 5) throw new CortadoException("interrupted");
            }

            @Override
            public void finish() {}
        };
        try (ModelFile base = ModelLoader.open(baseDir())) {
            LoraAdapter a = LoraFiles.open(dir, base.config());
            assertThrows(CortadoException.class, () -> LoraMerge.merge(base, List.of(new LoraMerge.Weighted(a, 1f)), null, out, failing));
        }
        assertEquals("the old file", Files.readString(out));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of("a", "merged.gguf"), files.map(p -> p.getFileName().toString()).sorted().toList(), "no scratch or temp files left");
        }
    }

    static byte[] bytes(Tensor t) {
        ByteBuffer b = t.bytes();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
