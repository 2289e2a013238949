package dev.cortado.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.TestFiles;
import dev.cortado.lora.LoraAdapter;
import dev.cortado.lora.PeftAdapter;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the PyTorch reference script live (when Debian's python3-torch is installed) and checks that
 * it reproduces the committed reference that {@link TrainModelTest} compares Cortado against: so the
 * Java test is a comparison with PyTorch as it runs here, not only with a file.
 */
class LoraReferenceLiveTest {
    static final String PYTHON = "/usr/bin/python3";

    static boolean torchWorks() {
        if (!new File(PYTHON).canExecute()) return false;
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch, numpy").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void pytorchReproducesTheCommittedReference(@TempDir Path out) throws Exception {
        assumeTrue(torchWorks(), "skipped: " + PYTHON + " cannot import torch and numpy (apt-get install python3-torch python3-numpy)");
        Path modelDir = TestFiles.sharedFile("models/tinystories-656k");
        Path script = TestFiles.testdata().getParent().resolve("tools/train-reference/lora_reference.py");
        Process p = new ProcessBuilder(PYTHON, script.toString(), "--model", modelDir.toString(), "--out", out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the reference script finished");
        assertEquals(0, p.exitValue(), log);

        ObjectMapper json = new ObjectMapper();
        JsonNode fresh = json.readTree(out.resolve("batch.json").toFile());
        JsonNode committed = json.readTree(TrainModelTest.REF.resolve("batch.json").toFile());
        assertEquals(committed.get("inputs"), fresh.get("inputs"));
        assertEquals(committed.get("mask"), fresh.get("mask"));
        double want = committed.get("loss").asDouble();
        assertEquals(want, fresh.get("loss").asDouble(), 1e-9 * Math.abs(want), "loss");
        try (ModelFile model = ModelLoader.open(modelDir)) {
            LoraAdapter a = PeftAdapter.read(out.resolve("grads"), model.config());
            LoraAdapter b = PeftAdapter.read(TrainModelTest.REF.resolve("grads"), model.config());
            assertEquals(b.tensors().keySet(), a.tensors().keySet());
            for (var e : b.tensors().entrySet()) {
                LoraAdapter.Pair x = a.tensors().get(e.getKey()), y = e.getValue();
                assertTrue(TrainModelTest.error(x.a().toFloats(), y.a().toFloats()) <= 1e-6, e.getKey() + " dA");
                assertTrue(TrainModelTest.error(x.b().toFloats(), y.b().toFloats()) <= 1e-6, e.getKey() + " dB");
            }
        }
    }
}
