package dev.cortado.cli;

import dev.cortado.TestFiles;
import dev.cortado.io.gguf.GgufFile;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cortado lora merge|convert} end to end, with a GGUF LoRA the convert command makes. */
class LoraCommandTest {
    @TempDir
    Path tmp;

    /** A small PEFT adapter (v_proj and q_proj of layer 0) built by hand. */
    private Path peft() throws IOException {
        Path dir = tmp.resolve("peft");
        Files.createDirectories(dir);
        // lora_A [2, 128] and lora_B [out, 2], values i/1000 - small and distinct
        String[][] mods = {{"model.layers.0.self_attn.v_proj", "64"}, {"model.layers.0.self_attn.q_proj", "128"}};
        StringBuilder h = new StringBuilder("{");
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        for (String[] m : mods) {
            int out = Integer.parseInt(m[1]);
            tensor(h, data, "base_model.model." + m[0] + ".lora_A.weight", 2, 128);
            tensor(h, data, "base_model.model." + m[0] + ".lora_B.weight", out, 2);
        }
        h.setCharAt(h.length() - 1, '}');
        byte[] header = h.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer len = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(header.length);
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        file.writeBytes(len.array());
        file.writeBytes(header);
        file.writeBytes(data.toByteArray());
        Files.write(dir.resolve("adapter_model.safetensors"), file.toByteArray());
        Files.writeString(dir.resolve("adapter_config.json"),
                "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"target_modules\": [\"q_proj\", \"v_proj\"], \"bias\": \"none\"}");
        return dir;
    }

    private static void tensor(StringBuilder h, java.io.ByteArrayOutputStream data, String name, int rows, int cols) {
        int begin = data.size();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * rows * cols).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) b.putFloat((i % 97) / 1000f);
        data.writeBytes(b.array());
        h.append('"').append(name).append("\":{\"dtype\":\"F32\",\"shape\":[").append(rows).append(',').append(cols)
                .append("],\"data_offsets\":[").append(begin).append(',').append(data.size()).append("]},");
    }

    @Test
    void convertThenMergeAndQuantize() throws IOException {
        Path base = TestFiles.sharedFile("models/tinystories-656k/model.safetensors").getParent();
        Path peft = peft();
        Path gguf = tmp.resolve("adapter.gguf");
        CliTest.Run r = CliTest.run("lora", "convert", "--in", peft.toString(), "--out", gguf.toString(), "--base", base.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("2 LoRA pairs, rank 2, alpha 4.0"), r.out());

        Path back = tmp.resolve("back");
        r = CliTest.run("lora", "convert", "--in", gguf.toString(), "--out", back.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(back.resolve("adapter_model.safetensors")) && Files.exists(back.resolve("adapter_config.json")));

        Path out = tmp.resolve("merged.gguf");
        r = CliTest.run("lora", "merge", "--model", base.toString(), "--lora", gguf + ":0.5", "--lora", peft.toString(),
                "--out", out.toString(), "--type", "q8_0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("blk.0.attn_v.weight") && r.out().contains("q8_0") && r.out().contains("requantization error"), r.out());
        assertTrue(r.out().contains("2 tensors merged"), r.out());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(TensorType.Q8_0, g.tensor("blk.0.attn_q.weight").type());
            assertEquals(TensorType.F32, g.tensor("blk.1.attn_q.weight").type());
        }
    }

    @Test
    void refusedOptionIsOneLineAndExitTwo() throws IOException {
        Path base = TestFiles.sharedFile("models/tinystories-656k/model.safetensors").getParent();
        Path peft = peft();
        Files.writeString(peft.resolve("adapter_config.json"),
                "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 4, \"use_dora\": true}");
        Path out = tmp.resolve("merged.gguf");
        CliTest.Run r = CliTest.run("lora", "merge", "--model", base.toString(), "--lora", peft.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("cortado: ") && r.err().contains("DoRA"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(out));
    }
}
