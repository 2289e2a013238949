package dev.cortado.io.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsFileTest {
    @TempDir
    Path tmp;

    @Test
    void loadsTinyStories656kAgainstItsConfig() throws IOException {
        Path file = TestFiles.sharedFile(SafetensorsTestFiles.TINY);
        JsonNode cfg = new ObjectMapper().readTree(file.resolveSibling("config.json").toFile());
        long hidden = cfg.get("hidden_size").asLong(), ffn = cfg.get("intermediate_size").asLong();
        long vocab = cfg.get("vocab_size").asLong(), layers = cfg.get("num_hidden_layers").asLong();
        long kvDim = hidden / cfg.get("num_attention_heads").asLong() * cfg.get("num_key_value_heads").asLong();
        assertEquals(List.of(128L, 384L, 2048L, 2L), List.of(hidden, ffn, vocab, layers));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(Map.of("format", "pt", "model.embed_tokens.weight", "lm_head.weight"), f.metadata());
            assertEquals(2 + 9 * layers, f.tensors().size());
            assertShape(f, "lm_head.weight", vocab, hidden);
            assertShape(f, "model.norm.weight", hidden);
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                assertShape(f, p + "self_attn.q_proj.weight", hidden, hidden);
                assertShape(f, p + "self_attn.k_proj.weight", kvDim, hidden);
                assertShape(f, p + "mlp.gate_proj.weight", ffn, hidden);
                assertShape(f, p + "mlp.down_proj.weight", hidden, ffn);
                assertShape(f, p + "input_layernorm.weight", hidden);
            }
            for (Tensor t : f.tensors()) assertEquals(TensorType.F32, t.type(), t.name());
            assertNull(f.tensor("model.embed_tokens.weight"));
            // tensors come in data order; their bytes tile the data section
            long total = f.tensors().stream().mapToLong(Tensor::byteSize).sum();
            assertEquals(Files.size(file) - 8 - 2160, total);
            // the first float of lm_head.weight, read by hand: data starts after 8 + 2160 header bytes
            ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(2160, raw.getLong(0));
            assertEquals(raw.getFloat(8 + 2160), f.tensor("lm_head.weight").toFloats()[0]);
            assertEquals(raw.getFloat(raw.capacity() - 4), f.tensor("model.norm.weight").toFloats()[(int) hidden - 1]);
            assertTrue(f.tensor("lm_head.weight").isMapped());
        }
    }

    private static void assertShape(SafetensorsFile f, String name, long... shape) {
        Tensor t = f.tensor(name);
        assertNotNull(t, name);
        assertArrayEquals(shape, t.shape(), name);
    }

    @Test
    void readsEveryMappedDtype() {
        Path p = tmp.resolve("mixed.safetensors");
        SafetensorsWriter.write(p, Map.of("k", "v"), SafetensorsTestFiles.mixedTensors());
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(TensorType.I64, f.tensor("e").type());
            assertEquals(Long.MIN_VALUE, f.tensor("e").bytes().getLong(0));
            assertEquals(Math.PI, f.tensor("f").bytes().getDouble(0));
            assertEquals(42f, f.tensor("scalar").toFloats()[0]);
            assertEquals(0, f.tensor("empty").byteSize());
            assertArrayEquals(SafetensorsTestFiles.ramp(8, 3f), f.tensor("c").toFloats());
        }
    }

    /** Writes a file with the given header JSON and {@code dataBytes} zero bytes of data. */
    private Path withHeader(String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = tmp.resolve("t.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private String failure(Path p) {
        CortadoException e = assertThrows(CortadoException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void namesUnsupportedDtypes() throws IOException {
        String m = failure(withHeader("{\"x\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4));
        assertTrue(m.contains("dtype U8 of tensor \"x\" is not supported"), m);
        m = failure(withHeader("{\"x\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4));
        assertTrue(m.contains("dtype F8_E4M3 of tensor \"x\" is not supported"), m);
        m = failure(withHeader("{\"x\":{\"dtype\":\"Q9\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4));
        assertTrue(m.contains("unknown dtype \"Q9\""), m);
    }

    @Test
    void rejectsBadHeaders() throws IOException {
        String ok = "\"dtype\":\"F32\",\"shape\":[2]";
        assertTrue(failure(withHeader("{\"x\":{" + ok + ",\"data_offsets\":[0,12]}}", 12)).contains("has 12 bytes"));
        assertTrue(failure(withHeader("{\"x\":{" + ok + ",\"data_offsets\":[0,8]}}", 4)).contains("ends at data byte 8"));
        assertTrue(failure(withHeader("{\"x\":{" + ok + ",\"data_offsets\":[8,0]}}", 8)).contains("end before they begin"));
        assertTrue(failure(withHeader("{\"x\":{" + ok + ",\"data_offsets\":[0,8]},\"y\":{" + ok + ",\"data_offsets\":[4,12]}}", 12))
                .contains("overlap"));
        assertTrue(failure(withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8)).contains("non-negative"));
        assertTrue(failure(withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8))
                .contains("overflows"));
        assertTrue(failure(withHeader("{\"x\":{" + ok + ",\"data_offsets\":[0,8]},\"x\":{" + ok + ",\"data_offsets\":[0,8]}}", 8))
                .contains("Duplicate field"));
        assertTrue(failure(withHeader("{\"x\":{" + ok + "}}", 8)).contains("no data_offsets"));
        assertTrue(failure(withHeader("{\"x\":{" + ok + ",\"data_offsets\":[0,8]}", 8)).contains("not valid JSON"));
        assertTrue(failure(withHeader("[1,2]", 0)).contains("not an object"));
        assertTrue(failure(withHeader("{\"__metadata__\":{\"a\":1}}", 0)).contains("not a string"));
        assertTrue(failure(withHeader("{} {}", 0)).contains("not valid JSON"));
        assertTrue(failure(withHeader("   ", 0)).contains("header is empty"));
        // a name with a newline stays on one line in the message
        String m = failure(withHeader("{\"a\\nb\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
        assertTrue(m.contains("\"a\\u000ab\""), m);
    }

    @Test
    void hugeOrShortHeaderLengthFailsFast() throws IOException {
        Path p = tmp.resolve("h.safetensors");
        for (long len : new long[] {-1L, Long.MAX_VALUE, 1L << 40, 17}) {
            Files.write(p, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(len).array());
            assertTrue(failure(p).contains("runs past the end of the file"), len + "");
        }
        Files.write(p, new byte[5]);
        assertTrue(failure(p).contains("too short"));
        assertTrue(failure(tmp.resolve("absent.safetensors")).contains("no such file"));
    }

    @Test
    void allowsPaddingAndEmptyHeaderObject() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(withHeader("{}      ", 0))) {
            assertTrue(f.tensors().isEmpty());
            assertTrue(f.metadata().isEmpty());
        }
    }
}
