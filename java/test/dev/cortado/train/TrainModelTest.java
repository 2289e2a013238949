package dev.cortado.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import dev.cortado.io.safetensors.SafetensorsFile;
import dev.cortado.kernels.Kernels;
import dev.cortado.lora.LoraAdapter;
import dev.cortado.lora.PeftAdapter;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.QkPermutation;
import dev.cortado.model.TensorNames;
import dev.cortado.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * TrainModel against the PyTorch reference in testdata/train/lora-reference (made by
 * tools/train-reference/lora_reference.py): the loss and every LoRA gradient, and in full mode the
 * gradients of the base weights; plus recompute, determinism, QLoRA and the error cases.
 */
class TrainModelTest {
    static final Path REF = TestFiles.testdata().resolve("train/lora-reference");
    static final Set<String> ALL = Set.copyOf(LoraSpec.ALL);
    static ModelFile model;
    static JsonNode ref;
    static Batch batch;
    static LoraAdapter adapter;

    @BeforeAll
    static void load() throws IOException {
        model = ModelLoader.open(TestFiles.sharedFile("models/tinystories-656k"));
        ref = new ObjectMapper().readTree(REF.resolve("batch.json").toFile());
        int n = ref.get("inputs").size();
        int[] in = new int[n], tg = new int[n];
        float[] m = new float[n];
        for (int i = 0; i < n; i++) {
            in[i] = ref.get("inputs").get(i).asInt();
            tg[i] = ref.get("targets").get(i).asInt();
            m[i] = (float) ref.get("mask").get(i).asDouble();
        }
        batch = new Batch(ref.get("rows").asInt(), ref.get("seqLen").asInt(), in, tg, m);
        adapter = PeftAdapter.read(REF.resolve("adapter"), model.config());
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    static TrainModel loraModel(boolean recompute, boolean qlora) {
        TrainModel m = TrainModel.lora(model, new LoraSpec(4, 8f, ALL, qlora), batch.rows(), batch.seqLen(), 7, recompute);
        m.loadAdapter(adapter);
        return m;
    }

    static float scale() {
        return 1f / batch.maskedTokens();
    }

    static float[] floats(Parameter p) {
        float[] f = new float[(int) p.size()];
        p.grad().position(0).get(f);
        return f;
    }

    /** max |a - b| / max |b|. */
    static double error(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num = Math.max(num, Math.abs(a[i] - b[i]));
            den = Math.max(den, Math.abs(b[i]));
        }
        return num / den;
    }

    void checkLoraAgainstReference() {
        try (TrainModel m = loraModel(false, false)) {
            LossSum loss = m.forwardBackward(batch, scale());
            double want = ref.get("loss").asDouble();
            assertEquals(want, loss.mean(), 1e-5 * want, "mean masked loss");
            LoraAdapter grads = PeftAdapter.read(REF.resolve("grads"), model.config());
            assertEquals(2 * 7 * 2, m.parameters().size());
            for (Parameter p : m.parameters()) {
                String target = p.name().substring(0, p.name().lastIndexOf('.'));
                LoraAdapter.Pair g = grads.tensors().get(target);
                float[] want2 = (p.name().endsWith(".lora_a") ? g.a() : g.b()).toFloats();
                double err = error(floats(p), want2);
                assertTrue(err <= 1e-4, p.name() + " gradient error " + err);
            }
        }
    }

    @Test
    void loraGradientsMatchPyTorchOnOneAndTwoThreads() {
        int threads = Kernels.threads();
        try {
            Kernels.setThreads(1);
            checkLoraAgainstReference();
            Kernels.setThreads(2);
            checkLoraAgainstReference();
        } finally {
            Kernels.setThreads(threads);
        }
    }

    @Test
    void fullGradientsMatchPyTorch() {
        try (TrainModel m = TrainModel.full(model, batch.rows(), batch.seqLen(), false);
             SafetensorsFile st = SafetensorsFile.open(REF.resolve("full-grads.safetensors"))) {
            LossSum loss = m.forwardBackward(batch, scale());
            double want = ref.get("fullLoss").asDouble();
            assertEquals(want, loss.mean(), 1e-5 * want, "mean masked loss");
            Map<String, Parameter> byName = new HashMap<>();
            for (Parameter p : m.parameters()) byName.put(p.name(), p);
            assertEquals(model.tensors().size(), m.parameters().size(), "every weight is a parameter");
            for (Tensor t : st.tensors()) {
                String name = TensorNames.fromHf(t.name());
                String base = TensorNames.baseOf(name);
                if ("attn_q".equals(base)) t = QkPermutation.hfToGguf(t, model.config().nHeads());
                if ("attn_k".equals(base)) t = QkPermutation.hfToGguf(t, model.config().nKvHeads());
                Parameter p = byName.get(name);
                assertNotNull(p, name);
                double err = error(floats(p), t.toFloats());
                assertTrue(err <= 1e-4, name + " gradient error " + err);
            }
        }
    }

    @Test
    void recomputeIsBitIdenticalAndLossMatches() {
        try (TrainModel a = loraModel(false, false); TrainModel b = loraModel(true, false)) {
            LossSum la = a.forwardBackward(batch, scale());
            LossSum lb = b.forwardBackward(batch, scale());
            assertEquals(la, lb);
            assertEquals(la, a.loss(batch), "loss() equals forwardBackward's loss");
            for (int i = 0; i < a.parameters().size(); i++) {
                assertArrayEquals(floats(a.parameters().get(i)), floats(b.parameters().get(i)), a.parameters().get(i).name());
            }
            // gradients add up over micro-batches
            float[] once = floats(a.parameters().get(3));
            a.forwardBackward(batch, scale());
            float[] twice = floats(a.parameters().get(3));
            for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-6f * Math.abs(once[i]) + 1e-12f);
        }
        try (TrainModel a = TrainModel.full(model, batch.rows(), batch.seqLen(), false);
             TrainModel b = TrainModel.full(model, batch.rows(), batch.seqLen(), true)) {
            assertEquals(a.forwardBackward(batch, scale()), b.forwardBackward(batch, scale()));
            for (int i = 0; i < a.parameters().size(); i++) {
                assertArrayEquals(floats(a.parameters().get(i)), floats(b.parameters().get(i)), a.parameters().get(i).name());
            }
        }
    }

    @Test
    void qloraRunsCloseToTheF32Base() {
        try (TrainModel f32 = loraModel(false, false); TrainModel q = loraModel(false, true)) {
            double l32 = f32.loss(batch).mean(), lq = q.loss(batch).mean();
            assertEquals(l32, lq, 0.05 * l32, "QLoRA loss " + lq + " vs F32 " + l32);
            LossSum fb = q.forwardBackward(batch, scale());
            assertTrue(Double.isFinite(fb.mean()));
            assertTrue(q.baseBytes() < f32.baseBytes() * 0.6, q.baseBytes() + " vs " + f32.baseBytes());
            assertEquals(f32.baseBytesF32(), q.baseBytesF32());
            // every matrix NF4, the tied embedding included: the base shrinks to ~4.1 bits a weight plus F32 norms
            assertEquals(1 + 7 * model.config().nLayers(), q.nf4Names().size(), q.nf4Names().toString());
            assertEquals(TensorNames.TOKEN_EMBD, q.nf4Names().get(0));
            assertTrue(f32.nf4Names().isEmpty());
            assertTrue(q.baseBytes() < 0.3 * q.baseBytesF32(), q.baseBytes() + " vs " + q.baseBytesF32() + " as F32");
        }
    }

    @Test
    void freshLoraStartsAtTheBaseAndRoundTripsThroughPeft(@TempDir Path dir) {
        try (TrainModel m = TrainModel.lora(model, new LoraSpec(8, 16f, Set.of("q", "v"), false), 2, 24, 1, false)) {
            assertEquals(ref.get("fullLoss").asDouble(), m.loss(batch).mean(), 1e-5 * ref.get("fullLoss").asDouble(), "B = 0: the base's loss");
            List<Parameter> ps = m.parameters();
            assertEquals("blk.0.attn_q.weight.lora_a", ps.get(0).name());
            assertEquals("blk.0.attn_q.weight.lora_b", ps.get(1).name());
            assertEquals(8, ps.size());
            LoraAdapter a = m.adapter();
            PeftAdapter.write(a, dir, model.config(), null);
            LoraAdapter back = PeftAdapter.read(dir, model.config());
            assertEquals(a.tensors().keySet(), back.tensors().keySet());
            for (String k : a.tensors().keySet()) {
                assertArrayEquals(a.tensors().get(k).a().toFloats(), back.tensors().get(k).a().toFloats());
                assertArrayEquals(a.tensors().get(k).b().toFloats(), back.tensors().get(k).b().toFloats());
            }
            float bound = (float) (1 / Math.sqrt(128));
            for (float v : a.tensors().get("blk.0.attn_q.weight").a().toFloats()) assertTrue(Math.abs(v) <= bound);
        }
    }

    @Test
    void badSpecsAreOneLineErrors() {
        for (LoraSpec s : new LoraSpec[] {new LoraSpec(65, 8, Set.of("k"), false), new LoraSpec(4, 8, Set.of("qkv"), false),
                new LoraSpec(0, 8, ALL, false), new LoraSpec(4, 8, Set.of(), false)}) {
            CortadoException e = assertThrows(CortadoException.class, () -> TrainModel.lora(model, s, 1, 8, 0, false));
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        CortadoException e = assertThrows(CortadoException.class,
                () -> TrainModel.lora(model, new LoraSpec(65, 8, Set.of("k"), false), 1, 8, 0, false));
        assertTrue(e.getMessage().contains("blk.0.attn_k.weight"), e.getMessage());
        try (TrainModel m = loraModel(false, false)) {
            int[] bad = batch.inputs().clone();
            bad[3] = 5000;
            Batch b = new Batch(batch.rows(), batch.seqLen(), bad, batch.targets(), batch.mask());
            assertThrows(CortadoException.class, () -> m.loss(b));
        }
    }
}
