package dev.cortado.io.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.CortadoException;
import dev.cortado.io.AtomicFile;
import dev.cortado.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a {@code .safetensors} file: the header JSON padded with spaces to a multiple of 8 bytes
 * (so the data section is 8-byte aligned), then the tensors in list order, copied in chunks so that
 * tensors of any size pass through a small buffer. The output appears atomically ({@link AtomicFile}).
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    private static final int CHUNK = 8 << 20;

    /**
     * Writes {@code tensors} (F32, F16, BF16, F64, I8, I16, I32 or I64) with {@code metadata}
     * (may be null or empty: then no {@code __metadata__}) to {@code out}.
     */
    public static void write(Path out, Map<String, String> metadata, List<Tensor> tensors) {
        byte[] header = header(out, metadata, tensors);
        AtomicFile.write(out, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            for (Tensor t : tensors) {
                for (long off = 0; off < t.byteSize(); off += CHUNK) {
                    writeFully(ch, t.bytes(off, (int) Math.min(CHUNK, t.byteSize() - off)));
                }
            }
        });
    }

    /** The header JSON, space-padded to a multiple of 8 bytes; checks names and types first. */
    static byte[] header(Path out, Map<String, String> metadata, List<Tensor> tensors) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = root.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach((k, v) -> m.put(Objects.requireNonNull(k, "metadata key"), Objects.requireNonNull(v, "metadata value of " + k)));
        }
        Set<String> seen = new HashSet<>();
        long offset = 0;
        for (Tensor t : tensors) {
            String dtype = SafetensorsTypes.nameOf(t.type());
            if (dtype == null) {
                throw CortadoException.inFile(out, "tensor " + Quote.of(t.name()) + " is " + t.type()
                        + ", which safetensors cannot hold (it holds " + SafetensorsTypes.SUPPORTED_LIST + ")");
            }
            if (t.name().equals(SafetensorsHeader.METADATA_KEY) || !seen.add(t.name())) {
                throw CortadoException.inFile(out, "tensor name " + Quote.of(t.name()) + " is reserved or used twice");
            }
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", dtype);
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            long end = Math.addExact(offset, t.byteSize());
            e.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = Json.MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a safetensors header", e);
        }
        int padded = (json.length + 7) & ~7;
        byte[] out8 = new byte[padded];
        System.arraycopy(json, 0, out8, 0, json.length);
        for (int i = json.length; i < padded; i++) out8[i] = ' ';
        return out8;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws java.io.IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
