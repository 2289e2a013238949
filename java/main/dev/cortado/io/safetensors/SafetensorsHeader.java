package dev.cortado.io.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cortado.CortadoException;
import dev.cortado.tensor.TensorType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated JSON header of one safetensors file: every entry's dtype, shape and
 * byte range is checked against the data section before any tensor view is made.
 */
record SafetensorsHeader(Map<String, String> metadata, List<Entry> entries) {

    /** One tensor: data offsets are relative to the start of the data section. */
    record Entry(String name, TensorType type, long[] shape, long begin, long end) {}

    static final String METADATA_KEY = "__metadata__";
    static final int MAX_RANK = 64;

    static SafetensorsHeader parse(Path file, byte[] json, long dataSize) {
        JsonNode root = Json.parse(file, "header", json);
        if (!root.isObject()) throw CortadoException.inFile(file, "header is JSON but not an object");
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                entries.add(readEntry(file, field.getKey(), field.getValue(), dataSize));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        checkNoOverlap(file, entries);
        return new SafetensorsHeader(Map.copyOf(metadata), List.copyOf(entries));
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> out) {
        if (node.isNull()) return;
        if (!node.isObject()) throw CortadoException.inFile(file, METADATA_KEY + " is not a JSON object");
        for (Map.Entry<String, JsonNode> kv : node.properties()) {
            if (!kv.getValue().isTextual()) {
                throw CortadoException.inFile(file, METADATA_KEY + " value of " + Quote.of(kv.getKey())
                        + " is " + kv.getValue().getNodeType().toString().toLowerCase() + ", not a string");
            }
            out.put(kv.getKey(), kv.getValue().textValue());
        }
    }

    private static Entry readEntry(Path file, String name, JsonNode node, long dataSize) {
        String q = Quote.of(name);
        if (!node.isObject()) throw CortadoException.inFile(file, "header entry " + q + " is not a JSON object");

        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw CortadoException.inFile(file, "tensor " + q + " has no dtype string");
        String dtype = dtypeNode.textValue();
        TensorType type = SafetensorsTypes.fromName(dtype);
        if (type == null) {
            throw CortadoException.inFile(file, SafetensorsTypes.isKnownButUnsupported(dtype)
                    ? "dtype " + dtype + " of tensor " + q + " is not supported (Cortado reads " + SafetensorsTypes.SUPPORTED_LIST + ")"
                    : "tensor " + q + " has unknown dtype " + Quote.of(dtype));
        }

        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) throw CortadoException.inFile(file, "tensor " + q + " has no shape array");
        if (shapeNode.size() > MAX_RANK) {
            throw CortadoException.inFile(file, "tensor " + q + " has " + shapeNode.size() + " dimensions; at most " + MAX_RANK + " are supported");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(file, shapeNode.get(i), "shape of tensor " + q);
        }
        long bytes;
        try {
            long elements = 1;
            for (long d : shape) elements = Math.multiplyExact(elements, d);  // the order Tensor uses
            bytes = type.byteSize(elements);
        } catch (ArithmeticException e) {
            throw CortadoException.inFile(file, "shape " + Arrays.toString(shape) + " of tensor " + q + " is too large (overflows 64 bits)");
        }

        JsonNode offs = node.get("data_offsets");
        if (offs == null || !offs.isArray() || offs.size() != 2) {
            throw CortadoException.inFile(file, "tensor " + q + " has no data_offsets [begin, end]");
        }
        long begin = nonNegativeLong(file, offs.get(0), "data_offsets of tensor " + q);
        long end = nonNegativeLong(file, offs.get(1), "data_offsets of tensor " + q);
        if (begin > end) {
            throw CortadoException.inFile(file, "tensor " + q + " has data_offsets [" + begin + ", " + end + "] that end before they begin");
        }
        if (end > dataSize) {
            throw CortadoException.inFile(file, "tensor " + q + " ends at data byte " + end + " but the data section has " + dataSize + " bytes");
        }
        if (end - begin != bytes) {
            throw CortadoException.inFile(file, "tensor " + q + " has " + (end - begin) + " bytes (data_offsets [" + begin + ", " + end
                    + "]) but " + dtype + " " + Arrays.toString(shape) + " needs " + bytes);
        }
        return new Entry(name, type, shape, begin, end);
    }

    private static long nonNegativeLong(Path file, JsonNode n, String what) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw CortadoException.inFile(file, what + " holds " + Quote.line(String.valueOf(n)) + ", not a non-negative integer");
        }
        return n.longValue();
    }

    /** Entries sorted by begin; an empty tensor occupies no bytes and cannot overlap anything. */
    private static void checkNoOverlap(Path file, List<Entry> sorted) {
        Entry last = null;
        for (Entry e : sorted) {
            if (e.begin() == e.end()) continue;
            if (last != null && e.begin() < last.end()) {
                throw CortadoException.inFile(file, "tensors " + Quote.of(last.name()) + " [" + last.begin() + ", " + last.end() + ") and "
                        + Quote.of(e.name()) + " [" + e.begin() + ", " + e.end() + ") overlap");
            }
            last = e;
        }
    }
}
