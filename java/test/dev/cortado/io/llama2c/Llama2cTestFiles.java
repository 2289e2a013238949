package dev.cortado.io.llama2c;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes small llama2.c checkpoints for tests, independently of the reader: every tensor is filled
 * with {@code id * 10000 + (i % 10000)}, where id is its position in {@link #names}, so a test can
 * tell from any value which tensor and element it came from.
 */
final class Llama2cTestFiles {
    private Llama2cTestFiles() {}

    static final Llama2cConfig TINY = new Llama2cConfig(8, 12, 2, 2, 1, 16, 4, true);

    /** Tensor names with element counts in version 0 order (wcls last when not shared). */
    static Map<String, Long> names(Llama2cConfig c) {
        Map<String, Long> m = new LinkedHashMap<>();
        long d = c.dim(), h = c.hiddenDim(), kv = c.kvDim(), v = c.vocabSize();
        m.put("token_embedding_table", v * d);
        String[] kinds = {"rms_att_weight", "wq", "wk", "wv", "wo", "rms_ffn_weight", "w1", "w2", "w3"};
        long[] sizes = {d, d * d, kv * d, kv * d, d * d, d, h * d, d * h, h * d};
        for (int k = 0; k < kinds.length; k++) for (int l = 0; l < c.nLayers(); l++) m.put(kinds[k] + "." + l, sizes[k]);
        m.put("rms_final_weight", d);
        if (!c.sharedClassifier()) m.put("wcls", v * d);
        return m;
    }

    static float value(int id, int i) {
        return id * 10000f + (i % 10000);
    }

    static int idOf(Llama2cConfig c, String name) {
        return new ArrayList<>(names(c).keySet()).indexOf(name);
    }

    static void writeV0(Path out, Llama2cConfig c, boolean ropeTables) throws IOException {
        Map<String, Long> names = names(c);
        long floats = names.values().stream().mapToLong(Long::longValue).sum() + (ropeTables ? (long) c.seqLen() * c.headSize() : 0);
        ByteBuffer b = ByteBuffer.allocate((int) (28 + floats * 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(c.dim()).putInt(c.hiddenDim()).putInt(c.nLayers()).putInt(c.nHeads()).putInt(c.nKvHeads())
                .putInt(c.sharedClassifier() ? c.vocabSize() : -c.vocabSize()).putInt(c.seqLen());
        int id = 0;
        for (Map.Entry<String, Long> e : names.entrySet()) {
            if (e.getKey().equals("wcls") && ropeTables) for (int i = 0; i < c.seqLen() * c.headSize(); i++) b.putFloat(-1f);
            for (int i = 0; i < e.getValue(); i++) b.putFloat(value(id, i));
            id++;
        }
        if (ropeTables && c.sharedClassifier()) for (int i = 0; i < c.seqLen() * c.headSize(); i++) b.putFloat(-1f);
        Files.write(out, b.array());
    }

    static void writeV1(Path out, Llama2cConfig c) throws IOException {
        Map<String, Long> names = names(c);
        List<String> ids = new ArrayList<>(names.keySet());
        List<String> order = new ArrayList<>();
        for (String prefix : new String[] {"rms_att_weight.", "rms_ffn_weight.", "rms_final_weight", "token_embedding_table",
                "wq.", "wk.", "wv.", "wo.", "w1.", "w2.", "w3.", "wcls"}) {
            for (String n : ids) if (n.startsWith(prefix)) order.add(n);
        }
        long floats = names.values().stream().mapToLong(Long::longValue).sum();
        ByteBuffer b = ByteBuffer.allocate((int) (256 + floats * 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x616b3432).putInt(1).putInt(c.dim()).putInt(c.hiddenDim()).putInt(c.nLayers()).putInt(c.nHeads())
                .putInt(c.nKvHeads()).putInt(c.vocabSize()).putInt(c.seqLen()).put((byte) (c.sharedClassifier() ? 1 : 0));
        b.position(256);
        for (String n : order) {
            int id = ids.indexOf(n);
            for (int i = 0; i < names.get(n); i++) b.putFloat(value(id, i));
        }
        Files.write(out, b.array());
    }
}
