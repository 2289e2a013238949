package dev.cortado.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.CortadoException;
import dev.cortado.Progress;
import dev.cortado.io.gguf.GgufFile;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.gguf.GgufTensorInfo;
import dev.cortado.io.gguf.GgufValueType;
import dev.cortado.io.gguf.GgufWriter;
import dev.cortado.io.safetensors.SafetensorsFile;
import dev.cortado.model.ModelConfig;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.ModelWriter;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PEFT and GGUF LoRA formats: llama.cpp's conventions, exact round trips, and clear refusals. */
class LoraFormatTest {
    @TempDir
    Path tmp;

    static ModelConfig base() {
        try (ModelFile m = ModelLoader.open(LoraMergeTest.baseDir())) {
            return m.config();
        }
    }

    @Test
    void ggufLoraFollowsLlamaCppConventions() throws IOException {
        PeftFixture f = PeftFixture.tinyStories(21, 4, 8, 1);
        f.write(tmp.resolve("peft"));
        LoraAdapter a = PeftAdapter.read(tmp.resolve("peft"), base());
        Path g = tmp.resolve("a.gguf");
        GgufLoraAdapter.write(a, g, null, null);
        try (GgufFile file = GgufFile.open(g)) {
            GgufMetadata md = file.metadata();
            assertEquals("llama", md.getString("general.architecture"));
            assertEquals("adapter", md.getString("general.type"));
            assertEquals("lora", md.getString("adapter.type"));
            assertEquals(GgufValueType.FLOAT32, md.get("adapter.lora.alpha").type());
            assertEquals(8.0, md.getDouble("adapter.lora.alpha", 0));
            assertEquals(8, md.getInt("llama.attention.head_count", 0));
            assertEquals(4, md.getInt("llama.attention.head_count_kv", 0));
            List<GgufTensorInfo> infos = file.tensorInfos();
            assertEquals("blk.0.attn_q.weight.lora_a", infos.get(0).name());
            assertArrayEquals(new long[] {128, 4}, infos.get(0).ne(), "lora_a: ne (in, r)");
            assertEquals("blk.0.attn_q.weight.lora_b", infos.get(1).name());
            assertArrayEquals(new long[] {4, 128}, infos.get(1).ne(), "lora_b: ne (r, out)");
            assertArrayEquals(new long[] {384, 4}, infoNe(infos, "blk.0.ffn_down.weight.lora_a"));
            assertArrayEquals(new long[] {4, 128}, infoNe(infos, "blk.0.ffn_down.weight.lora_b"));
            // lora_a as written; lora_b's rows for Q/K moved to GGUF's interleaved order, for V untouched
            PeftFixture.Factors q = f.modules.get("model.layers.0.self_attn.q_proj");
            assertArrayEquals(q.a(), file.tensor("blk.0.attn_q.weight.lora_a").toFloats());
            float[] qb = file.tensor("blk.0.attn_q.weight.lora_b").toFloats();
            for (int o = 0; o < 128; o++) {
                int go = PeftFixture.ggufRow(o, 128, 8);
                for (int j = 0; j < 4; j++) assertEquals(q.b()[o * 4 + j], qb[go * 4 + j]);
            }
            PeftFixture.Factors k = f.modules.get("model.layers.0.self_attn.k_proj");
            float[] kb = file.tensor("blk.0.attn_k.weight.lora_b").toFloats();
            for (int o = 0; o < 64; o++) {
                int go = PeftFixture.ggufRow(o, 64, 4);
                for (int j = 0; j < 4; j++) assertEquals(k.b()[o * 4 + j], kb[go * 4 + j]);
            }
            assertArrayEquals(f.modules.get("model.layers.0.self_attn.v_proj").b(), file.tensor("blk.0.attn_v.weight.lora_b").toFloats());
        }
    }

    private static long[] infoNe(List<GgufTensorInfo> infos, String name) {
        return infos.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow().ne();
    }

    @Test
    void peftToGgufToPeftKeepsEveryValue() throws IOException {
        for (boolean rs : new boolean[] {false, true}) {
            PeftFixture f = PeftFixture.tinyStories(22, 8, 12.5, 2);
            f.rsLora = rs;
            Path in = tmp.resolve("in" + rs);
            f.write(in);
            Path g = tmp.resolve("a" + rs + ".gguf");
            GgufLoraAdapter.write(PeftAdapter.read(in, base()), g, null, null);
            if (rs) {
                try (GgufFile file = GgufFile.open(g)) {
                    // llama.cpp scales by alpha / r: the written alpha carries rsLoRA's alpha / sqrt(r)
                    assertEquals((float) (12.5 * Math.sqrt(8)), (float) file.metadata().getDouble("adapter.lora.alpha", 0));
                }
            }
            assertTrue(LoraFiles.isAdapter(g) && LoraFiles.isAdapter(in));
            LoraAdapter back = GgufLoraAdapter.read(g);  // no base: head counts from the adapter's metadata
            assertEquals(rs, back.rsLora());
            assertEquals(12.5f, back.alpha());
            Path out = tmp.resolve("out" + rs);
            PeftAdapter.write(back, out, null, null);
            try (SafetensorsFile st = SafetensorsFile.open(out.resolve(PeftAdapter.WEIGHTS))) {
                assertEquals(2 * f.modules.size(), st.tensors().size());
                for (PeftFixture.Factors m : f.modules.values()) {
                    Tensor a = st.tensor("base_model.model." + m.module() + ".lora_A.weight");
                    Tensor b = st.tensor("base_model.model." + m.module() + ".lora_B.weight");
                    assertEquals(TensorType.F32, a.type());
                    assertArrayEquals(new long[] {m.r(), m.in()}, a.shape());
                    assertArrayEquals(new long[] {m.out(), m.r()}, b.shape());
                    assertArrayEquals(m.a(), a.toFloats(), 0f, m.module());
                    assertArrayEquals(m.b(), b.toFloats(), 0f, m.module());
                }
            }
            JsonNode c = new ObjectMapper().readTree(out.resolve(PeftAdapter.CONFIG).toFile());
            assertEquals(8, c.get("r").asInt());
            assertEquals(12.5, c.get("lora_alpha").asDouble());
            assertEquals(rs, c.get("use_rslora").asBoolean());
            assertEquals("tinystories-656k", c.get("base_model_name_or_path").asText());
            assertEquals(List.of("down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"),
                    new ObjectMapper().convertValue(c.get("target_modules"), List.class));
            // and PEFT reads its own output back to the same adapter
            LoraAdapter again = PeftAdapter.read(out, base());
            LoraAdapter first = PeftAdapter.read(in, base());
            for (Map.Entry<String, LoraAdapter.Pair> e : first.tensors().entrySet()) {
                assertArrayEquals(e.getValue().b().toFloats(), again.tensors().get(e.getKey()).b().toFloats(), 0f);
            }
        }
    }

    @Test
    void ggufWithoutAlphaScalesByOne() throws IOException {
        PeftFixture f = PeftFixture.tinyStories(23, 2, 4, 1);
        f.write(tmp.resolve("p"));
        LoraAdapter a = PeftAdapter.read(tmp.resolve("p"), base());
        LoraAdapter noAlpha = new LoraAdapter(null, a.tensors(), 0f, false, false, "llama", 8, 4, null, TensorType.F32);
        assertEquals(1.0, noAlpha.scale("blk.0.attn_v.weight"));
        Path out = tmp.resolve("out");
        PeftAdapter.write(noAlpha, out, null, null);
        assertEquals(2.0, new ObjectMapper().readTree(out.resolve(PeftAdapter.CONFIG).toFile()).get("lora_alpha").asDouble(), "lora_alpha = r");
    }

    /** Writes the fixture with {@code from} replaced by {@code to} in adapter_config.json; returns the error. */
    private String refusal(String from, String to) throws IOException {
        Path dir = tmp.resolve("refused");
        PeftFixture f = new PeftFixture(24, 2, 4);
        f.add("model.layers.0.self_attn.v_proj", 128, 64);
        f.write(dir);
        Path cfg = dir.resolve(PeftAdapter.CONFIG);
        String text = Files.readString(cfg);
        assertTrue(text.contains(from), from);
        Files.writeString(cfg, text.replace(from, to));
        CortadoException e = assertThrows(CortadoException.class, () -> PeftAdapter.read(dir, base()));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith(cfg.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void unsupportedPeftOptionsAreRefusedInOneLine() throws IOException {
        assertTrue(refusal("\"use_dora\": false", "\"use_dora\": true").contains("DoRA"));
        assertTrue(refusal("\"modules_to_save\": null", "\"modules_to_save\": [\"lm_head\"]").contains("modules_to_save"));
        assertTrue(refusal("\"bias\": \"none\"", "\"bias\": \"all\"").contains("bias \"all\""));
        assertTrue(refusal("\"bias\": \"none\"", "\"bias\": \"none\", \"lora_bias\": true").contains("lora_bias"));
        assertTrue(refusal("\"rank_pattern\": {}", "\"rank_pattern\": {\"v_proj\": 4}").contains("rank_pattern"));
        assertTrue(refusal("\"alpha_pattern\": {}", "\"alpha_pattern\": {\"v_proj\": 4}").contains("alpha_pattern"));
        assertTrue(refusal("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\"").contains("IA3"));
        assertTrue(refusal("\"r\": 2", "\"r\": 0").contains("r must be"));
        assertTrue(refusal("\"lora_alpha\": 4.0", "\"lora_alpha\": \"big\"").contains("lora_alpha"));
        assertTrue(refusal("\"r\": 2,", "\"r\": 2").contains("not valid JSON"));
    }

    private String tensorRefusal(PeftFixture f, String rename, String to) throws IOException {
        Path dir = tmp.resolve("t" + Math.abs(rename.hashCode()));
        f.write(dir);
        Path st = dir.resolve(PeftAdapter.WEIGHTS);
        byte[] bytes = Files.readAllBytes(st);
        // same-length renames keep the safetensors header valid
        assertEquals(rename.length(), to.length());
        String s = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).replace(rename, to);
        Files.write(st, s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        CortadoException e = assertThrows(CortadoException.class, () -> PeftAdapter.read(dir, base()));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void unsupportedTensorsAreRefusedNamingThem() throws IOException {
        PeftFixture f = new PeftFixture(25, 2, 4);
        f.add("model.layers.0.self_attn.v_proj", 128, 64);
        assertTrue(tensorRefusal(f, "v_proj.lora_B", "v_proj.lora_X").contains("v_proj.lora_X.weight is not a LoRA factor"));
        assertTrue(tensorRefusal(f, "self_attn.v_proj", "self_attn.w_proj").contains("module w_proj is not supported"));
        assertTrue(tensorRefusal(f, "lora_B.weight", "lora_Q.weight").contains("lora_Q"));
        PeftFixture e = new PeftFixture(26, 2, 4);
        e.add("model.embed_tokens", 2048, 128);
        assertTrue(assertThrows(CortadoException.class, () -> {
            e.write(tmp.resolve("emb"));
            PeftAdapter.read(tmp.resolve("emb"), base());
        }).getMessage().contains("embed_tokens is not supported"));
        PeftFixture wrongRank = new PeftFixture(27, 2, 4);
        wrongRank.add("model.layers.0.self_attn.v_proj", 3, 128, 64);
        wrongRank.write(tmp.resolve("rank"));
        assertTrue(assertThrows(CortadoException.class, () -> PeftAdapter.read(tmp.resolve("rank"), base()))
                .getMessage().contains("rank r=2"));
    }

    @Test
    void qkAdaptersNeedTheBase() throws IOException {
        PeftFixture f = new PeftFixture(28, 2, 4);
        f.add("model.layers.0.self_attn.q_proj", 128, 128);
        f.write(tmp.resolve("q"));
        CortadoException e = assertThrows(CortadoException.class, () -> PeftAdapter.read(tmp.resolve("q"), null));
        assertTrue(e.getMessage().contains("blk.0.attn_q.weight") && e.getMessage().contains("--base"), e.getMessage());
        PeftFixture v = new PeftFixture(29, 2, 4);
        v.add("model.layers.0.self_attn.v_proj", 128, 64);
        v.write(tmp.resolve("v"));
        LoraAdapter a = PeftAdapter.read(tmp.resolve("v"), null);
        assertNull(a.architecture());
        e = assertThrows(CortadoException.class, () -> GgufLoraAdapter.write(a, tmp.resolve("v.gguf"), null, null));
        assertTrue(e.getMessage().contains("architecture"), e.getMessage());
        GgufLoraAdapter.write(a, tmp.resolve("v.gguf"), base(), null);
    }

    @Test
    void badGgufAdaptersAreRefused() throws IOException {
        Path model = tmp.resolve("model.gguf");
        try (ModelFile m = ModelLoader.open(LoraMergeTest.baseDir())) {
            ModelWriter.writeGguf(m, model, null, Progress.NONE);
        }
        assertFalse(LoraFiles.isAdapter(model));
        assertFalse(LoraFiles.isAdapter(LoraMergeTest.baseDir()));
        assertFalse(LoraFiles.isAdapter(tmp.resolve("absent")));
        CortadoException e = assertThrows(CortadoException.class, () -> LoraFiles.open(model, null));
        assertTrue(e.getMessage().contains("not a LoRA adapter"), e.getMessage());

        Tensor a = Tensor.ofFloats("blk.0.attn_v.weight.lora_a", TensorType.F32, new long[] {2, 128}, new float[256]);
        Tensor b = Tensor.ofFloats("blk.0.attn_v.weight.lora_b", TensorType.F32, new long[] {64, 3}, new float[192]);
        Tensor odd = Tensor.ofFloats("blk.0.attn_v.weight.lora_x", TensorType.F32, new long[] {2}, new float[2]);
        assertTrue(ggufError(List.of(a, b)).contains("do not share a rank"));
        assertTrue(ggufError(List.of(a)).contains("missing its lora_b"));
        assertTrue(ggufError(List.of(a, odd)).contains("lora_x is not a LoRA factor"));
        Path notLora = tmp.resolve("junk.bin");
        Files.write(notLora, new byte[] {1, 2, 3, 4, 5});
        assertTrue(assertThrows(CortadoException.class, () -> LoraFiles.open(notLora, null)).getMessage().contains("not a LoRA adapter"));
    }

    private String ggufError(List<Tensor> tensors) {
        GgufMetadata md = new GgufMetadata().putString("general.architecture", "llama").putString("general.type", "adapter")
                .putString("adapter.type", "lora").putFloat32("adapter.lora.alpha", 4);
        Path p = tmp.resolve("bad.gguf");
        GgufWriter.write(p, md, tensors);
        CortadoException e = assertThrows(CortadoException.class, () -> GgufLoraAdapter.read(p));
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        return e.getMessage();
    }
}
