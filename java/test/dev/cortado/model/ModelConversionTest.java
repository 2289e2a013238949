package dev.cortado.model;

import dev.cortado.Progress;
import dev.cortado.TestFiles;
import dev.cortado.io.gguf.GgufFile;
import dev.cortado.io.safetensors.SafetensorsFile;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real models through convert: every path keeps tensor values exactly. */
class ModelConversionTest {
    @TempDir
    Path tmp;

    private static void assertSameValues(ModelFile expected, ModelFile actual) {
        assertEquals(expected.tensors().keySet(), actual.tensors().keySet());
        for (Tensor e : expected.tensors().values()) {
            Tensor a = actual.tensor(e.name());
            assertArrayEquals(e.shape(), a.shape(), e.name());
            assertArrayEquals(e.toFloats(), a.toFloats(), 0f, e.name());
        }
    }

    private static byte[] bytes(Tensor t) {
        ByteBuffer b = t.bytes();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void stories260kToGgufAndHuggingFaceAndBack() {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        try (ModelFile src = ModelLoader.open(bin).validate()) {
            ModelConfig c = src.config();
            assertEquals(64, c.dim());
            assertEquals(5, c.nLayers());
            assertEquals(8, c.nHeads());
            assertEquals(4, c.nKvHeads());
            assertEquals(172, c.ffnDim());
            assertEquals(512, c.vocabSize());
            assertTrue(c.tiedEmbeddings());
            assertNotNull(src.tokenizer(), "tok512.bin found beside the checkpoint");
            assertEquals(512, src.tokenizer().vocabSize());

            Path gguf = tmp.resolve("stories260K.gguf");
            ModelWriter.writeGguf(src, gguf, null, Progress.NONE);
            try (ModelFile g = ModelLoader.open(gguf).validate()) {
                assertEquals(c.withTiedEmbeddings(true), g.config().withTiedEmbeddings(true));
                assertSameValues(src, g);
                assertEquals(src.tokenizer().tokens(), g.tokenizer().tokens());
                assertArrayEquals(src.tokenizer().scores(), g.tokenizer().scores());
                assertArrayEquals(src.tokenizer().tokenTypes(), g.tokenizer().tokenTypes());
                assertEquals(src.tokenizer().bosId(), g.tokenizer().bosId());

                Path hf = tmp.resolve("stories260K-hf");
                ModelWriter.writeHuggingFace(g, hf, null, Progress.NONE);
                try (ModelFile h = ModelLoader.open(hf).validate()) {
                    assertSameValues(src, h);
                    assertEquals(src.tokenizer().tokens(), h.tokenizer().tokens());
                    Path gguf2 = tmp.resolve("again.gguf");
                    ModelWriter.writeGguf(h, gguf2, null, Progress.NONE);
                    try (ModelFile g2 = ModelLoader.open(gguf2).validate()) {
                        assertSameValues(src, g2);
                    }
                }
            }
        }
    }

    @Test
    void tinyStories656kToGgufPermutesQkAndComesBackByteIdentical() {
        Path dir = TestFiles.sharedFile("models/tinystories-656k");
        Path gguf = tmp.resolve("ts.gguf");
        Path back = tmp.resolve("ts-hf");
        try (ModelFile src = ModelLoader.open(dir).validate()) {
            assertEquals(128, src.config().dim());
            assertEquals(16, src.config().headDim());
            assertTrue(src.config().tiedEmbeddings());
            assertNotNull(src.tokenizer());
            ModelWriter.writeGguf(src, gguf, null, Progress.NONE);
        }
        try (SafetensorsFile orig = SafetensorsFile.open(dir.resolve("model.safetensors"));
             ModelFile g = ModelLoader.open(gguf).validate()) {
            // the GGUF holds Q/K in the interleaved layout: undoing the permutation gives HF's bytes
            Tensor q = g.require("blk.1.attn_q.weight");
            assertArrayEquals(bytes(orig.tensor("model.layers.1.self_attn.q_proj.weight")), bytes(QkPermutation.ggufToHf(q, 8)));
            Tensor k = g.require("blk.0.attn_k.weight");
            assertArrayEquals(bytes(orig.tensor("model.layers.0.self_attn.k_proj.weight")), bytes(QkPermutation.ggufToHf(k, 4)));
            assertFalse(java.util.Arrays.equals(bytes(orig.tensor("model.layers.0.self_attn.k_proj.weight")), bytes(k)));
            assertNotNull(g.sourceMetadata().getString("tokenizer.ggml.model"));

            ModelWriter.writeHuggingFace(g, back, null, Progress.NONE);
            try (SafetensorsFile again = SafetensorsFile.open(back.resolve("model.safetensors"))) {
                assertEquals(orig.tensors().size(), again.tensors().size());
                for (Tensor t : orig.tensors()) {
                    // the file keeps its tied embedding under lm_head; Cortado writes it as embed_tokens
                    String name = t.name().equals("lm_head.weight") ? "model.embed_tokens.weight" : t.name();
                    Tensor a = again.tensor(name);
                    assertNotNull(a, t.name());
                    assertEquals(t.type(), a.type(), t.name());
                    assertArrayEquals(bytes(t), bytes(a), t.name());
                }
            }
        }
    }

    @Test
    void llamaCppGgufCopiesByteIdenticalAndWidensExactly() {
        Path path = TestFiles.sharedFile("models/llama-2-tiny-random/llama-2-tiny-random.gguf");
        Path copy = tmp.resolve("copy.gguf");
        Path f32 = tmp.resolve("f32.gguf");
        try (ModelFile src = ModelLoader.open(path).validate()) {
            assertEquals("llama", src.config().architecture());
            ModelWriter.writeGguf(src, copy, null, Progress.NONE);
            ModelWriter.writeGguf(src, f32, TensorType.F32, Progress.NONE);
            try (GgufFile a = GgufFile.open(path); GgufFile b = GgufFile.open(copy)) {
                for (Tensor t : a.tensors()) assertArrayEquals(bytes(t), bytes(b.tensor(t.name())), t.name());
            }
            try (ModelFile w = ModelLoader.open(f32).validate()) {
                assertSameValues(src, w);
                for (Tensor t : w.tensors().values()) assertEquals(TensorType.F32, t.type(), t.name());
                assertEquals(0, w.sourceMetadata().getLong("general.file_type", -1));
            }
        }
    }

    /** Relative RMS error of each quantized matrix of stories260K, within the bound of its type. */
    @Test
    void quantizationErrorsWithinEachFormatsBounds() {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        Map<TensorType, Double> bound = Map.of(TensorType.F16, 1e-3, TensorType.Q8_0, 0.01, TensorType.Q6_K, 0.02,
                TensorType.Q5_0, 0.05, TensorType.Q5_1, 0.05, TensorType.Q4_0, 0.1, TensorType.Q4_1, 0.1, TensorType.Q4_K, 0.1,
                TensorType.Q5_K, 0.05);
        try (ModelFile src = ModelLoader.open(bin)) {
            for (TensorType target : new TensorType[] {TensorType.Q8_0, TensorType.Q4_0, TensorType.Q4_1, TensorType.Q5_0,
                    TensorType.Q4_K, TensorType.Q6_K}) {
                Path out = tmp.resolve(target.lowerName() + ".gguf");
                ModelWriter.Report r = ModelWriter.writeGguf(src, out, target, Progress.NONE);
                assertTrue(r.bytesAfter() < r.bytesBefore(), target + " makes the model smaller");
                try (ModelFile q = ModelLoader.open(out).validate()) {
                    for (Tensor t : src.tensors().values()) {
                        Tensor qt = q.require(t.name());
                        if (t.rank() == 1) {
                            assertEquals(TensorType.F32, qt.type(), t.name());
                            continue;
                        }
                        double err = relativeRms(t.toFloats(), qt.toFloats());
                        Double b = bound.get(qt.type());
                        assertNotNull(b, "bound for " + qt.type());
                        assertTrue(err < b, target + " " + t.name() + " as " + qt.type() + ": relative RMS error " + err + " >= " + b);
                    }
                }
            }
        }
    }

    static double relativeRms(float[] ref, float[] got) {
        double e = 0;
        double s = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = ref[i] - got[i];
            e += d * d;
            s += (double) ref[i] * ref[i];
        }
        return Math.sqrt(e / Math.max(1e-30, s));
    }
}
