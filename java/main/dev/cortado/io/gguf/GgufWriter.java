package dev.cortado.io.gguf;

import dev.cortado.CortadoException;
import dev.cortado.io.AtomicFile;
import dev.cortado.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes GGUF v3 files laid out as llama.cpp lays them out: header, metadata in the given order,
 * tensor infos in list order, zero padding to the alignment, then each tensor's data followed by
 * zero padding to the alignment (a file without tensors ends after its header). The alignment is {@code general.alignment} (a uint32) when the
 * metadata has it, else 32. Output goes through {@link AtomicFile}: a failed write leaves nothing.
 */
public final class GgufWriter {
    /** llama.cpp refuses tensor names of GGML_MAX_NAME (64) bytes or more. */
    static final int MAX_NAME_BYTES = 63;
    private static final int CHUNK = 8 << 20;

    private GgufWriter() {}

    public static void write(Path out, GgufMetadata metadata, List<Tensor> tensors) {
        for (Tensor t : tensors) {
            if (!t.type().isGgml()) {
                throw dev.cortado.CortadoException.inFile(out, "tensor " + t.name() + " has type " + t.type()
                        + ", which GGUF cannot hold (it is Cortado's own in-memory type)");
            }
        }
        int alignment = alignment(out, metadata);
        List<GgufTensorInfo> infos = layout(out, tensors, alignment);

        GgufEncoder header = new GgufEncoder();
        header.bytes(new byte[] {'G', 'G', 'U', 'F'});
        header.u32(3);
        header.u64(tensors.size());
        header.u64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.asMap().entrySet()) {
            header.string(e.getKey());
            header.typedValue(e.getKey(), e.getValue());
        }
        for (GgufTensorInfo t : infos) {
            header.string(t.name());
            long[] ne = t.ne();
            header.u32(ne.length);
            for (long d : ne) header.u64(d);
            header.u32(t.type().ggmlId());
            header.u64(t.offset());
        }
        // With no tensors there is no data section to align, and llama.cpp's Python writer (which
        // wrote the vocab-only GGUFs) stops right after the header; doing the same keeps such files
        // byte-identical through a read and write.
        if (!tensors.isEmpty()) header.zeros(padding(header.size(), alignment));

        AtomicFile.write(out, ch -> {
            writeFully(ch, header.toByteBuffer());
            for (Tensor t : tensors) {
                for (long off = 0; off < t.byteSize(); off += CHUNK) {
                    writeFully(ch, t.bytes(off, (int) Math.min(CHUNK, t.byteSize() - off)));
                }
                writeFully(ch, ByteBuffer.allocate(padding(t.byteSize(), alignment)));
            }
        });
    }

    private static int alignment(Path out, GgufMetadata metadata) {
        GgufValue v = metadata.get("general.alignment");
        if (v == null) return GgufParser.DEFAULT_ALIGNMENT;
        if (v.type() != GgufValueType.UINT32) throw CortadoException.inFile(out, "general.alignment must be a uint32, not " + v.type().name().toLowerCase());
        long a = v.asLong();
        if (a <= 0 || Long.bitCount(a) != 1 || a > GgufParser.MAX_ALIGNMENT) {
            throw CortadoException.inFile(out, "general.alignment " + a + " is not a power of two from 1 to " + GgufParser.MAX_ALIGNMENT);
        }
        return (int) a;
    }

    /** The tensor infos with their data offsets, each tensor starting at an aligned offset. */
    private static List<GgufTensorInfo> layout(Path out, List<Tensor> tensors, int alignment) {
        List<GgufTensorInfo> infos = new ArrayList<>(tensors.size());
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (Tensor t : tensors) {
            String name = t.name();
            if (!names.add(name)) throw CortadoException.inFile(out, "two tensors are named " + GgufParser.show(name));
            if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                throw CortadoException.inFile(out, "tensor name " + GgufParser.show(name) + " is longer than " + MAX_NAME_BYTES + " bytes");
            }
            if (t.rank() < 1 || t.rank() > GgufParser.MAX_DIMS) {
                throw CortadoException.inFile(out, "tensor " + name + " has rank " + t.rank() + "; GGUF holds 1 to " + GgufParser.MAX_DIMS + " dimensions");
            }
            long[] shape = t.shape();
            long[] ne = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 1) throw CortadoException.inFile(out, "tensor " + name + " has an empty dimension");
                ne[i] = shape[shape.length - 1 - i];
            }
            infos.add(new GgufTensorInfo(name, ne, t.type(), offset));
            offset = Math.addExact(offset, Math.addExact(t.byteSize(), padding(t.byteSize(), alignment)));
        }
        return infos;
    }

    private static int padding(long size, int alignment) {
        return (int) (GgufParser.alignUp(size, alignment) - size);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
