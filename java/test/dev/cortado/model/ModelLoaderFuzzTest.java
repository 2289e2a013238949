package dev.cortado.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.CortadoException;
import dev.cortado.Progress;
import dev.cortado.TestFiles;
import dev.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The whole loading path (format reader, hyper-parameters, tokenizer, architecture checks) on
 * corrupted real models: every variant either loads and validates, or fails with a one-line
 * {@link CortadoException} — never another exception.
 */
class ModelLoaderFuzzTest {
    @TempDir
    Path tmp;

    private int loaded;
    private int rejected;

    private void tryLoad(Path p, String variant) {
        try (ModelFile m = ModelLoader.open(p)) {
            if (m.config().arch() != null) m.validate();
            for (Tensor t : List.copyOf(m.tensors().values())) {
                if (t.elementCount() < 1 << 20 && dev.cortado.tensor.Codecs.supports(t.type())) t.toFloats();
            }
            loaded++;
        } catch (CortadoException e) {
            assertEquals(1, e.getMessage().lines().count(), variant + ": " + e.getMessage());
            rejected++;
        } catch (Throwable t) {
            fail(variant + ": " + t, t);
        }
    }

    @Test
    void corruptedGgufModels() throws Exception {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        Path gguf = tmp.resolve("stories.gguf");
        try (ModelFile m = ModelLoader.open(bin)) {
            ModelWriter.writeGguf(m, gguf, null, Progress.NONE);
        }
        byte[] clean = Files.readAllBytes(gguf);
        // the header (metadata + tensor infos) is what parsing reads; aim most mutations there
        int header = 12_000;
        Random r = new Random(42);
        Path v = tmp.resolve("v.gguf");
        for (int i = 0; i < 600; i++) {
            byte[] b = clean.clone();
            int kind = r.nextInt(3);
            if (kind == 0) {
                for (int k = 0, n = 1 + r.nextInt(4); k < n; k++) b[r.nextInt(Math.min(header, b.length))] ^= (byte) (1 << r.nextInt(8));
            } else if (kind == 1) {
                int at = r.nextInt(Math.min(header, b.length) - 8);
                long val = new long[] {0, 1, -1, 2, 3, 1L << 31, Long.MAX_VALUE, 7, 255}[r.nextInt(9)];
                for (int k = 0; k < 4; k++) b[at + k] = (byte) (val >>> (8 * k));
            } else {
                b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
            }
            Files.write(v, b);
            tryLoad(v, "gguf variant " + i);
        }
        assertTrue(loaded > 0 && rejected > 0, "both outcomes happen: " + loaded + " loaded, " + rejected + " rejected");
    }

    @Test
    void corruptedHuggingFaceConfigs() throws Exception {
        Path src = TestFiles.sharedFile("models/tinystories-656k");
        Path dir = tmp.resolve("hf");
        Files.createDirectories(dir);
        for (String f : new String[] {"model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
            Files.createSymbolicLink(dir.resolve(f), src.resolve(f).toAbsolutePath());
        }
        ObjectMapper json = new ObjectMapper();
        String[] keys = {"hidden_size", "num_attention_heads", "num_key_value_heads", "num_hidden_layers", "intermediate_size",
            "vocab_size", "max_position_embeddings", "rms_norm_eps", "rope_theta", "head_dim", "tie_word_embeddings", "architectures",
            "rope_scaling", "model_type"};
        Object[] values = {0, -1, 1, 3, 7, 1 << 30, Integer.MAX_VALUE, 2.5, "x", null, true, List.of(), List.of("GPT2LMHeadModel"),
            java.util.Map.of("rope_type", "llama3", "factor", 8.0), java.util.Map.of("type", "dynamic")};
        Random r = new Random(7);
        String cleanConfig = Files.readString(src.resolve("config.json"));
        for (int i = 0; i < 300; i++) {
            ObjectNode c = (ObjectNode) json.readTree(cleanConfig);
            for (int k = 0, n = 1 + r.nextInt(2); k < n; k++) {
                c.set(keys[r.nextInt(keys.length)], json.valueToTree(values[r.nextInt(values.length)]));
            }
            String text = c.toString();
            if (r.nextInt(10) == 0) text = text.substring(0, r.nextInt(text.length()));
            Files.writeString(dir.resolve("config.json"), text);
            tryLoad(dir, "config variant " + i + ": " + text);
        }
        assertTrue(rejected > 0, "some variants are rejected");
    }
}
