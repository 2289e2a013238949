package dev.cortado.io.gguf;

import dev.cortado.CortadoException;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class GgufWriterTest {
    @TempDir
    Path tmp;

    /** Metadata holding every value type, extreme values, empty and nested arrays. */
    static GgufMetadata everyValueType() {
        GgufMetadata m = new GgufMetadata();
        m.putString("general.architecture", "test");
        m.put("u8", new GgufValue(GgufValueType.UINT8, null, 255L));
        m.put("i8", new GgufValue(GgufValueType.INT8, null, -128L));
        m.put("u16", new GgufValue(GgufValueType.UINT16, null, 65535L));
        m.put("i16", new GgufValue(GgufValueType.INT16, null, -32768L));
        m.put("u32", GgufValue.ofUint32(0xFFFFFFFFL));
        m.put("i32", GgufValue.ofInt32(Integer.MIN_VALUE));
        m.put("u64", GgufValue.ofUint64(-1L));  // 2^64 - 1 as raw bits
        m.put("i64", new GgufValue(GgufValueType.INT64, null, Long.MIN_VALUE));
        m.put("f32", GgufValue.ofFloat32(-0.0f));
        m.put("f32.nan", GgufValue.ofFloat32(Float.NaN));
        m.put("f64", new GgufValue(GgufValueType.FLOAT64, null, Math.PI));
        m.put("bool.t", GgufValue.ofBool(true));
        m.put("bool.f", GgufValue.ofBool(false));
        m.put("str", GgufValue.ofString("héllo ▁wörld 🦙\n\t\u0000"));
        m.put("str.empty", GgufValue.ofString(""));
        m.put("a.u8", new GgufValue(GgufValueType.ARRAY, GgufValueType.UINT8, new byte[] {0, 1, (byte) 255}));
        m.put("a.i8", new GgufValue(GgufValueType.ARRAY, GgufValueType.INT8, new byte[] {-128, 127}));
        m.put("a.u16", new GgufValue(GgufValueType.ARRAY, GgufValueType.UINT16, new short[] {(short) 65535, 7}));
        m.put("a.i16", new GgufValue(GgufValueType.ARRAY, GgufValueType.INT16, new short[] {-32768, 32767}));
        m.put("a.u32", new GgufValue(GgufValueType.ARRAY, GgufValueType.UINT32, new int[] {-1, 0}));
        m.put("a.i32", GgufValue.ofInt32s(new int[] {Integer.MIN_VALUE, 3, Integer.MAX_VALUE}));
        m.put("a.u64", new GgufValue(GgufValueType.ARRAY, GgufValueType.UINT64, new long[] {-1L, 1L}));
        m.put("a.i64", new GgufValue(GgufValueType.ARRAY, GgufValueType.INT64, new long[] {Long.MIN_VALUE, Long.MAX_VALUE}));
        m.put("a.f32", GgufValue.ofFloats(new float[] {1.5f, Float.NEGATIVE_INFINITY, Float.NaN}));
        m.put("a.f64", new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT64, new double[] {-1e300, 0.0}));
        m.put("a.bool", new GgufValue(GgufValueType.ARRAY, GgufValueType.BOOL, new boolean[] {true, false, true}));
        m.put("a.str", GgufValue.ofStrings(new String[] {"a", "", "<0x0A>", "日本"}));
        m.put("a.empty.f32", GgufValue.ofFloats(new float[0]));
        m.put("a.empty.str", GgufValue.ofStrings(new String[0]));
        m.put("a.empty.arr", new GgufValue(GgufValueType.ARRAY, GgufValueType.ARRAY, new GgufValue[0]));
        // arrays of arrays: merges-like pairs, and a third level
        m.put("a.nested", new GgufValue(GgufValueType.ARRAY, GgufValueType.ARRAY, new GgufValue[] {
                GgufValue.ofStrings(new String[] {"x", "y"}),
                GgufValue.ofInt32s(new int[0]),
                new GgufValue(GgufValueType.ARRAY, GgufValueType.ARRAY, new GgufValue[] {
                        GgufValue.ofFloats(new float[] {2f}),
                        new GgufValue(GgufValueType.ARRAY, GgufValueType.BOOL, new boolean[] {false})})}));
        return m;
    }

    static Tensor randomBytes(String name, TensorType type, long[] shape, Random rnd) {
        long n = Tensor.elementCount(shape);
        byte[] b = new byte[(int) type.byteSize(n)];
        rnd.nextBytes(b);
        return Tensor.ofBytes(name, type, shape, ByteBuffer.wrap(b));
    }

    static List<Tensor> someTensors() {
        Random rnd = new Random(1);
        return List.of(
                Tensor.ofFloats("f32.vec", TensorType.F32, new long[] {3}, new float[] {1, 2, 3}),
                randomBytes("f16.mat", TensorType.F16, new long[] {5, 7}, rnd),   // 70 bytes: needs padding
                randomBytes("q8_0.w", TensorType.Q8_0, new long[] {2, 64}, rnd),
                randomBytes("q4_k.4d", TensorType.Q4_K, new long[] {1, 2, 3, 256}, rnd),
                randomBytes("i8.one", TensorType.I8, new long[] {1}, rnd));
    }

    @Test
    void everyValueTypeAndTensorTypeRoundTrips() {
        Path out = tmp.resolve("all.gguf");
        GgufMetadata m = everyValueType();
        List<Tensor> tensors = someTensors();
        GgufWriter.write(out, m, tensors);
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(3, f.version());
            assertEquals(32, f.alignment());
            assertEquals(m, f.metadata());
            assertEquals(List.copyOf(m.keys()), List.copyOf(f.metadata().keys()));
            assertEquals(-1L, f.metadata().get("u64").asLong());
            assertEquals(0xFFFFFFFFL, f.metadata().getLong("u32", 0));
            assertEquals(255, f.metadata().getLong("u8", 0));
            assertEquals(tensors.size(), f.tensors().size());
            for (int i = 0; i < tensors.size(); i++) {
                Tensor a = tensors.get(i), b = f.tensors().get(i);
                assertEquals(a.name(), b.name());
                assertEquals(a.type(), b.type());
                assertArrayEquals(a.shape(), b.shape());
                assertEquals(a.bytes(), b.bytes(), a.name());
                long[] ne = f.tensorInfos().get(i).ne();
                assertEquals(a.dim(a.rank() - 1), ne[0], "ne[0] is the innermost dimension");
                assertEquals(0, f.tensorInfos().get(i).offset() % 32);
            }
        }
    }

    @Test
    void nonDefaultAlignments() throws IOException {
        for (long alignment : new long[] {1, 8, 64, 4096}) {
            Path out = tmp.resolve("a" + alignment + ".gguf");
            GgufMetadata m = new GgufMetadata().putUint32("general.alignment", alignment);
            GgufWriter.write(out, m, someTensors());
            try (GgufFile f = GgufFile.open(out)) {
                assertEquals(alignment, f.alignment());
                assertEquals(0, f.dataOffset() % alignment);
                for (GgufTensorInfo t : f.tensorInfos()) assertEquals(0, t.offset() % alignment, t.name());
                assertEquals(0, Files.size(out) % alignment, "last tensor padded too");
                for (int i = 0; i < someTensors().size(); i++) {
                    assertEquals(someTensors().get(i).bytes(), f.tensors().get(i).bytes());
                }
            }
        }
    }

    @Test
    void emptyTensorListAndEmptyMetadata() {
        Path out = tmp.resolve("empty.gguf");
        GgufWriter.write(out, new GgufMetadata(), List.of());
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(0, f.metadata().size());
            assertEquals(0, f.tensors().size());
        }
        Path out2 = tmp.resolve("meta-only.gguf");
        GgufWriter.write(out2, everyValueType(), List.of());
        try (GgufFile f = GgufFile.open(out2)) {
            assertEquals(everyValueType(), f.metadata());
            assertTrue(f.tensors().isEmpty());
        }
    }

    @Test
    void version2FilesRead() throws IOException {
        Path out = tmp.resolve("v2.gguf");
        GgufWriter.write(out, everyValueType(), someTensors());
        byte[] b = Files.readAllBytes(out);
        b[4] = 2;  // v2 and v3 share the little-endian layout
        Files.write(out, b);
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(2, f.version());
            assertEquals(everyValueType(), f.metadata());
        }
    }

    @Test
    void refusesCortadoOwnTypes() {
        Path out = tmp.resolve("nf4.gguf");
        Tensor nf4 = Tensor.ofBytes("w", TensorType.NF4, new long[] {1, 64},
                ByteBuffer.allocate((int) TensorType.NF4.byteSize(1, 64)));
        CortadoException e = assertThrows(CortadoException.class, () -> GgufWriter.write(out, new GgufMetadata(), List.of(nf4)));
        assertTrue(e.getMessage().contains("NF4"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void failedWriteLeavesNothing() throws IOException {
        Path src = tmp.resolve("src.gguf");
        GgufWriter.write(src, new GgufMetadata(), someTensors());
        GgufFile f = GgufFile.open(src);
        List<Tensor> mapped = f.tensors();
        f.close();  // the views now fail when the writer copies their bytes

        Path out = tmp.resolve("out.gguf");
        assertThrows(RuntimeException.class, () -> GgufWriter.write(out, new GgufMetadata(), mapped));
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(tmp.resolve("out.gguf.tmp")));

        // An existing target survives a failed overwrite untouched.
        byte[] before = Files.readAllBytes(src);
        assertThrows(RuntimeException.class, () -> GgufWriter.write(src, everyValueType(), mapped));
        assertArrayEquals(before, Files.readAllBytes(src));
        assertFalse(Files.exists(tmp.resolve("src.gguf.tmp")));
    }

    @Test
    void badInputsAreRefusedBeforeWriting() {
        Path out = tmp.resolve("bad.gguf");
        Random rnd = new Random(2);
        assertBad(out, new GgufMetadata().putUint32("general.alignment", 3), List.of(), "power of two");
        assertBad(out, new GgufMetadata().putUint32("general.alignment", 0), List.of(), "power of two");
        assertBad(out, new GgufMetadata().put("general.alignment", GgufValue.ofInt32(32)), List.of(), "uint32");
        Tensor t = randomBytes("w", TensorType.F32, new long[] {2}, rnd);
        assertBad(out, new GgufMetadata(), List.of(t, t), "two tensors are named w");
        assertBad(out, new GgufMetadata(), List.of(randomBytes("r5", TensorType.F32, new long[] {1, 1, 1, 1, 2}, rnd)), "rank 5");
        assertBad(out, new GgufMetadata(), List.of(t.renamed("n".repeat(64))), "longer than 63 bytes");
        assertBad(out, new GgufMetadata(), List.of(randomBytes("z", TensorType.F32, new long[] {0, 4}, rnd)), "empty dimension");
        // a value whose Java type does not match its declared type is a programming error
        GgufMetadata wrong = new GgufMetadata().put("k", new GgufValue(GgufValueType.UINT32, null, "x"));
        assertThrows(IllegalArgumentException.class, () -> GgufWriter.write(out, wrong, List.of()));
        assertFalse(Files.exists(out));
    }

    private static void assertBad(Path out, GgufMetadata m, List<Tensor> tensors, String expected) {
        CortadoException e = assertThrows(CortadoException.class, () -> GgufWriter.write(out, m, tensors));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains(out.toString()), e.getMessage());
        assertFalse(Files.exists(out));
    }
}
