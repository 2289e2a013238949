package dev.cortado.io.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Builders and comparisons shared by the safetensors tests. */
final class SafetensorsTestFiles {
    private SafetensorsTestFiles() {}

    static final String TINY = "models/tinystories-656k/model.safetensors";

    /** A small set of tensors of every writable type, including a scalar and an empty tensor. */
    static List<Tensor> mixedTensors() {
        List<Tensor> ts = new ArrayList<>();
        ts.add(Tensor.ofFloats("a", TensorType.F32, new long[] {3, 4}, ramp(12, 0.25f)));
        ts.add(Tensor.ofFloats("b.weight", TensorType.F16, new long[] {5}, ramp(5, -1.5f)));
        ts.add(Tensor.ofFloats("c", TensorType.BF16, new long[] {2, 2, 2}, ramp(8, 3f)));
        ts.add(Tensor.ofBytes("d", TensorType.I32, new long[] {2}, le(8).putInt(0, 7).putInt(4, -9)));
        ts.add(Tensor.ofFloats("scalar", TensorType.F32, new long[] {}, new float[] {42f}));
        ts.add(Tensor.ofFloats("empty", TensorType.F32, new long[] {0, 3}, new float[0]));
        ts.add(Tensor.ofBytes("e", TensorType.I64, new long[] {1}, le(8).putLong(0, Long.MIN_VALUE)));
        ts.add(Tensor.ofBytes("f", TensorType.F64, new long[] {1, 1}, le(8).putDouble(0, Math.PI)));
        ts.add(Tensor.ofBytes("g", TensorType.I8, new long[] {3}, le(3).put(0, (byte) -1).put(1, (byte) 2).put(2, (byte) 3)));
        ts.add(Tensor.ofBytes("h", TensorType.I16, new long[] {1}, le(2).putShort(0, (short) -300)));
        return ts;
    }

    static float[] ramp(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (i - n / 2f) * scale;
        return v;
    }

    static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    static byte[] bytesOf(Tensor t) {
        ByteBuffer b = t.bytes();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Same names in the same order, same types, shapes and bytes. */
    static void assertSameTensors(List<Tensor> expected, List<Tensor> actual) {
        assertEquals(expected.stream().map(Tensor::name).toList(), actual.stream().map(Tensor::name).toList());
        for (int i = 0; i < expected.size(); i++) {
            Tensor e = expected.get(i), a = actual.get(i);
            assertEquals(e.type(), a.type(), e.name());
            assertArrayEquals(e.shape(), a.shape(), e.name());
            assertArrayEquals(bytesOf(e), bytesOf(a), e.name());
        }
    }

    /**
     * Writes {@code tensors} as {@code shards} safetensors files plus model.safetensors.index.json
     * in {@code dir}, cutting the list into contiguous runs.
     */
    static void writeSharded(Path dir, Map<String, String> metadata, List<Tensor> tensors, int shards) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode index = json.createObjectNode();
        long total = tensors.stream().mapToLong(Tensor::byteSize).sum();
        index.putObject("metadata").put("total_size", total);
        ObjectNode weightMap = index.putObject("weight_map");
        Map<String, List<Tensor>> byShard = new LinkedHashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            int s = (int) ((long) i * shards / tensors.size());
            String name = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
            byShard.computeIfAbsent(name, k -> new ArrayList<>()).add(tensors.get(i));
            weightMap.put(tensors.get(i).name(), name);
        }
        for (Map.Entry<String, List<Tensor>> e : byShard.entrySet()) SafetensorsWriter.write(dir.resolve(e.getKey()), metadata, e.getValue());
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), json.writerWithDefaultPrettyPrinter().writeValueAsString(index));
    }
}
