package dev.cortado.io.safetensors;

import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import dev.cortado.io.MappedFile;
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

class SafetensorsWriterTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripsTinyStories656k() {
        Path src = TestFiles.sharedFile(SafetensorsTestFiles.TINY);
        Path out = tmp.resolve("copy.safetensors");
        try (SafetensorsFile a = SafetensorsFile.open(src)) {
            SafetensorsWriter.write(out, a.metadata(), a.tensors());
            try (SafetensorsFile b = SafetensorsFile.open(out)) {
                assertEquals(a.metadata(), b.metadata());
                SafetensorsTestFiles.assertSameTensors(a.tensors(), b.tensors());
            }
        }
        assertFalse(Files.exists(tmp.resolve("copy.safetensors.tmp")));
    }

    @Test
    void roundTripsHalfTypesAndPadsTheHeader() throws IOException {
        Path out = tmp.resolve("mixed.safetensors");
        List<Tensor> ts = SafetensorsTestFiles.mixedTensors();
        SafetensorsWriter.write(out, Map.of("format", "pt", "note", "ünïcödé \"q\""), ts);
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertEquals(Map.of("format", "pt", "note", "ünïcödé \"q\""), f.metadata());
            SafetensorsTestFiles.assertSameTensors(ts, f.tensors());  // list order == data order
            assertEquals(TensorType.F16, f.tensor("b.weight").type());
            assertEquals(TensorType.BF16, f.tensor("c").type());
        }
        byte[] raw = Files.readAllBytes(out);
        long n = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        String header = new String(raw, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":"), header);
        assertEquals(header.stripTrailing().length() + (header.length() - header.stripTrailing().length()), header.length());
        assertTrue(header.stripTrailing().endsWith("}"));
        assertEquals(raw.length, 8 + n + ts.stream().mapToLong(Tensor::byteSize).sum());
    }

    @Test
    void noMetadataWritesNoMetadataKey() throws IOException {
        Path out = tmp.resolve("plain.safetensors");
        SafetensorsWriter.write(out, null, List.of(Tensor.ofFloats("w", TensorType.F32, new long[] {2}, new float[] {1, 2})));
        assertFalse(Files.readString(out, StandardCharsets.ISO_8859_1).contains("__metadata__"));
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertTrue(f.metadata().isEmpty());
        }
    }

    @Test
    void refusesQuantizedTypesAndDuplicateNamesBeforeWriting() {
        Path out = tmp.resolve("bad.safetensors");
        Tensor q = Tensor.ofBytes("q", TensorType.Q8_0, new long[] {32}, java.nio.ByteBuffer.allocate(34));
        CortadoException e = assertThrows(CortadoException.class, () -> SafetensorsWriter.write(out, null, List.of(q)));
        assertTrue(e.getMessage().contains("Q8_0"), e.getMessage());
        Tensor w = Tensor.ofFloats("w", TensorType.F32, new long[] {1}, new float[] {1});
        assertThrows(CortadoException.class, () -> SafetensorsWriter.write(out, null, List.of(w, w)));
        assertThrows(CortadoException.class, () -> SafetensorsWriter.write(out, null, List.of(w.renamed("__metadata__"))));
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(tmp.resolve("bad.safetensors.tmp")));
    }

    @Test
    void failureMidWriteLeavesNoOutputAndNoTemp() throws IOException {
        // a tensor whose mapping is closed fails when its bytes are read, after the header is written
        Path src = tmp.resolve("src.safetensors");
        SafetensorsWriter.write(src, null, SafetensorsTestFiles.mixedTensors());
        MappedFile closed = MappedFile.open(src);
        Tensor dead = Tensor.mapped("dead", TensorType.F32, new long[] {4}, closed, 8);
        closed.close();
        Tensor ok = Tensor.ofFloats("ok", TensorType.F32, new long[] {1}, new float[] {1});

        Path out = tmp.resolve("out.safetensors");
        assertThrows(IllegalStateException.class, () -> SafetensorsWriter.write(out, null, List.of(ok, dead)));
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(tmp.resolve("out.safetensors.tmp")));

        // an existing target is left exactly as it was
        Files.writeString(out, "previous");
        assertThrows(IllegalStateException.class, () -> SafetensorsWriter.write(out, null, List.of(ok, dead)));
        assertEquals("previous", Files.readString(out));
        assertFalse(Files.exists(tmp.resolve("out.safetensors.tmp")));
    }

    @Test
    void copiesLargeTensorsInChunks() {
        // 20 MiB: more than two 8 MiB chunks, with a ragged tail
        int n = (20 << 20) / 4 + 3;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i;
        Tensor big = Tensor.ofFloats("big", TensorType.F32, new long[] {n}, v);
        Path out = tmp.resolve("big.safetensors");
        SafetensorsWriter.write(out, null, List.of(big));
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertArrayEquals(v, f.tensor("big").toFloats());
        }
    }
}
