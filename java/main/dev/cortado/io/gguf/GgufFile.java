package dev.cortado.io.gguf;

import dev.cortado.CortadoException;
import dev.cortado.io.MappedFile;
import dev.cortado.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An open GGUF file (v2 or v3, little-endian): its metadata, tensor infos, and zero-copy tensor
 * views over the memory-mapped data. Everything is validated in {@link #open}, so the tensors
 * never point outside the file. The tensors are valid until {@link #close()}.
 */
public final class GgufFile implements AutoCloseable {
    private final MappedFile file;
    private final GgufParser.Header header;
    private final List<Tensor> tensors;
    private final Map<String, Tensor> byName;

    private GgufFile(MappedFile file, GgufParser.Header header) {
        this.file = file;
        this.header = header;
        List<Tensor> list = new ArrayList<>(header.tensors().size());
        Map<String, Tensor> map = new HashMap<>();
        for (GgufTensorInfo t : header.tensors()) {
            Tensor tensor = Tensor.mapped(t.name(), t.type(), t.shape(), file, header.dataOffset() + t.offset());
            list.add(tensor);
            map.put(t.name(), tensor);
        }
        this.tensors = Collections.unmodifiableList(list);
        this.byName = map;
    }

    /**
     * Maps and validates {@code path}. Any problem with the file (missing, truncated, corrupt,
     * unsupported version) is a {@link CortadoException} whose one-line message names the file.
     */
    public static GgufFile open(Path path) {
        MappedFile file = MappedFile.open(path);
        try {
            // The header is parsed from one ByteBuffer view, so it must lie in the first 2 GiB.
            ByteBuffer head = file.slice(0, Math.min(file.size(), Integer.MAX_VALUE));
            GgufParser.Header header = GgufParser.parse(path, head, file.size());
            return new GgufFile(file, header);
        } catch (CortadoException e) {
            file.close();
            throw e;
        } catch (RuntimeException e) {
            // The parser checks every read explicitly; this is the net under it, so that no
            // BufferUnderflow or IndexOutOfBounds ever reaches the caller for a bad file.
            file.close();
            throw CortadoException.inFile(path, "malformed GGUF (" + GgufParser.show(String.valueOf(e)) + ")");
        }
    }

    public Path path() {
        return file.path();
    }

    public int version() {
        return header.version();
    }

    public int alignment() {
        return header.alignment();
    }

    /** Absolute byte offset where the tensor data section starts. */
    public long dataOffset() {
        return header.dataOffset();
    }

    /** The metadata in file order (a copy: changing it leaves this file's view alone). */
    public GgufMetadata metadata() {
        return new GgufMetadata(header.metadata());
    }

    /** Tensor infos in file order, dimensions in GGUF order. */
    public List<GgufTensorInfo> tensorInfos() {
        return header.tensors();
    }

    /** Tensors in file order: mapped views with row-major shapes and the names as in the file. */
    public List<Tensor> tensors() {
        return tensors;
    }

    /** The tensor named {@code name}, or null when the file has none. */
    public Tensor tensor(String name) {
        return byName.get(name);
    }

    /** The mapped file under the tensors (for callers that need raw addresses). */
    public MappedFile mappedFile() {
        return file;
    }

    @Override
    public void close() {
        file.close();
    }
}
