package dev.cortado.io.llama2c;

import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class Llama2cCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void loadsStories260K() throws IOException {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(bin)) {
            assertEquals(new Llama2cConfig(64, 172, 5, 8, 4, 512, 512, true), ck.config());
            assertEquals(8, ck.config().headSize());
            assertEquals(32, ck.config().kvDim());
            assertEquals(0, ck.version());
            List<Tensor> ts = ck.tensors();
            assertEquals(1 + 9 * 5 + 1, ts.size());
            assertEquals("token_embedding_table", ts.get(0).name());
            assertEquals("rms_final_weight", ts.get(ts.size() - 1).name());
            assertNull(ck.tensor("wcls"));
            assertShape(ck, "token_embedding_table", 512, 64);
            assertShape(ck, "rms_att_weight.4", 64);
            assertShape(ck, "wq.0", 64, 64);
            assertShape(ck, "wk.2", 32, 64);
            assertShape(ck, "wv.3", 32, 64);
            assertShape(ck, "wo.1", 64, 64);
            assertShape(ck, "w1.0", 172, 64);
            assertShape(ck, "w2.0", 64, 172);
            assertShape(ck, "w3.4", 172, 64);
            for (Tensor t : ts) {
                assertEquals(TensorType.F32, t.type());
                assertTrue(t.isMapped());
            }

            // values read by hand: the embedding starts right after the 28-byte header; rms_final_weight
            // after embedding (512*64), rms_att (5*64), wq (5*64*64), wk+wv (2*5*32*64), wo (5*64*64),
            // rms_ffn (5*64) and w1, w2, w3 (3*5*172*64) floats
            ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(bin)).order(ByteOrder.LITTLE_ENDIAN);
            long finalAt = 28 + 4L * (512 * 64 + 5 * 64 + 5 * 64 * 64 + 2 * 5 * 32 * 64 + 5 * 64 * 64 + 5 * 64 + 3 * 5 * 172 * 64);
            assertEquals(1039900, finalAt);
            assertEquals(raw.getFloat(28), ck.tensor("token_embedding_table").toFloats()[0]);
            assertEquals(raw.getFloat((int) finalAt), ck.tensor("rms_final_weight").toFloats()[0]);
            assertEquals(raw.getFloat((int) finalAt + 63 * 4), ck.tensor("rms_final_weight").toFloats()[63]);
            // and after it only the two RoPE tables remain: 2 * 512 * 8 / 2 floats
            assertEquals(raw.capacity(), finalAt + 64 * 4 + 2 * 512 * 4 * 4);
        }
    }

    private static void assertShape(Llama2cCheckpoint ck, String name, long... shape) {
        assertNotNull(ck.tensor(name), name);
        assertArrayEquals(shape, ck.tensor(name).shape(), name);
    }

    /** Every tensor holds the values the test writer put under its name. */
    private static void assertValues(Llama2cCheckpoint ck, Llama2cConfig c) {
        var names = Llama2cTestFiles.names(c);
        assertEquals(names.keySet().stream().sorted().toList(), ck.tensors().stream().map(Tensor::name).sorted().toList());
        for (Tensor t : ck.tensors()) {
            int id = Llama2cTestFiles.idOf(c, t.name());
            float[] v = t.toFloats();
            assertEquals(names.get(t.name()), v.length, t.name());
            for (int i = 0; i < v.length; i++) {
                if (v[i] != Llama2cTestFiles.value(id, i)) fail(t.name() + "[" + i + "] = " + v[i]);
            }
        }
    }

    @Test
    void version0WithSeparateClassifierWithAndWithoutRopeTables() throws IOException {
        Llama2cConfig c = new Llama2cConfig(8, 12, 2, 2, 1, 16, 4, false);
        for (boolean rope : new boolean[] {true, false}) {
            Path p = tmp.resolve("v0-" + rope + ".bin");
            Llama2cTestFiles.writeV0(p, c, rope);
            try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(p)) {
                assertEquals(c, ck.config());
                assertArrayEquals(new long[] {16, 8}, ck.tensor("wcls").shape());
                assertEquals("wcls", ck.tensors().get(ck.tensors().size() - 1).name());
                assertValues(ck, c);
            }
        }
    }

    @Test
    void version1SharedAndSeparate() throws IOException {
        for (boolean shared : new boolean[] {true, false}) {
            Llama2cConfig c = new Llama2cConfig(8, 12, 3, 4, 2, 16, 4, shared);
            Path p = tmp.resolve("v1-" + shared + ".bin");
            Llama2cTestFiles.writeV1(p, c);
            try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(p)) {
                assertEquals(1, ck.version());
                assertEquals(c, ck.config());
                assertEquals("rms_att_weight.0", ck.tensors().get(0).name());  // file order
                assertValues(ck, c);
            }
        }
    }

    private static String failure(Path p) {
        CortadoException e = assertThrows(CortadoException.class, () -> Llama2cCheckpoint.open(p).close());
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void sizeMismatchStatesExpectedAndActualBytes() throws IOException {
        Path p = tmp.resolve("t.bin");
        Llama2cTestFiles.writeV0(p, Llama2cTestFiles.TINY, true);
        byte[] full = Files.readAllBytes(p);
        Files.write(p, Arrays.copyOf(full, full.length - 1));
        String m = failure(p);
        assertTrue(m.contains("file has " + (full.length - 1) + " bytes") && m.contains("needs " + full.length), m);
        Files.write(p, Arrays.copyOf(full, full.length + 4));
        assertTrue(failure(p).contains("needs " + full.length));
    }

    @Test
    void rejectsInsaneHeaders() throws IOException {
        Path p = tmp.resolve("h.bin");
        int[][] headers = {
                {0, 12, 2, 2, 1, 16, 4}, {8, 12, 2, 3, 1, 16, 4}, {8, 12, 2, 2, 3, 16, 4}, {8, 12, -2, 2, 1, 16, 4},
                {8, 12, 2, 2, 1, Integer.MIN_VALUE, 4}, {Integer.MAX_VALUE, 12, 2, 2, 1, 16, 4}, {6, 12, 2, 2, 1, 16, 4}};
        String[] expected = {"dim is 0", "not divisible by n_heads", "not divisible by n_kv_heads", "n_layers is -2",
                "vocab_size is 0", "dim is 2147483647", "head size 3 is odd"};
        for (int i = 0; i < headers.length; i++) {
            ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            for (int v : headers[i]) b.putInt(v);
            Files.write(p, b.array());
            String m = failure(p);
            assertTrue(m.contains(expected[i]), m);
        }
        Files.write(p, new byte[10]);
        assertTrue(failure(p).contains("too short"));
    }

    @Test
    void recognisesVersionedFormatsItDoesNotRead() throws IOException {
        Path p = tmp.resolve("v.bin");
        for (int version : new int[] {2, 7}) {
            ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN).putInt(0x616b3432).putInt(version);
            Files.write(p, b.array());
            String m = failure(p);
            assertTrue(m.contains(version == 2 ? "version 2 (Q8_0 quantized) checkpoints are not supported" : "unknown llama2.c checkpoint version 7"), m);
        }
    }
}
