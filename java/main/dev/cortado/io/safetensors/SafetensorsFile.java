package dev.cortado.io.safetensors;

import dev.cortado.CortadoException;
import dev.cortado.io.MappedFile;
import dev.cortado.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code .safetensors} file, memory-mapped: an 8-byte little-endian header length, a JSON
 * header ({@code name -> {dtype, shape, data_offsets}} plus an optional {@code __metadata__} map
 * of strings), then the data section. Every header entry is validated against the data section on
 * open; the tensors are zero-copy views that live until {@link #close()}.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The reference implementation's limit; it also keeps a corrupt length from allocating gigabytes. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private final MappedFile file;
    private final Map<String, String> metadata;
    private final List<Tensor> tensors;
    private final Map<String, Tensor> byName;

    private SafetensorsFile(MappedFile file, Map<String, String> metadata, List<Tensor> tensors) {
        this.file = file;
        this.metadata = metadata;
        this.tensors = List.copyOf(tensors);
        this.byName = new HashMap<>();
        for (Tensor t : tensors) byName.put(t.name(), t);
    }

    /** Maps and validates {@code path}; any problem with it is a one-line {@link CortadoException}. */
    public static SafetensorsFile open(Path path) {
        MappedFile mf = MappedFile.open(path);
        try {
            long size = mf.size();
            if (size < 8) {
                throw CortadoException.inFile(path, "only " + size + " bytes: too short for a safetensors file (8-byte header length, JSON header, data)");
            }
            long headerLen = mf.slice(0, 8).getLong();  // unsigned on disk: a negative long is beyond any file
            if (headerLen < 0 || headerLen > size - 8) {
                throw CortadoException.inFile(path, "header length " + Long.toUnsignedString(headerLen)
                        + " runs past the end of the file (" + size + " bytes); not a safetensors file?");
            }
            if (headerLen > MAX_HEADER_BYTES) {
                throw CortadoException.inFile(path, "header length " + headerLen + " is over the " + MAX_HEADER_BYTES + "-byte limit");
            }
            byte[] json = new byte[(int) headerLen];
            mf.slice(8, headerLen).get(json);
            long dataStart = 8 + headerLen;
            SafetensorsHeader header = SafetensorsHeader.parse(path, json, size - dataStart);
            List<Tensor> tensors = new ArrayList<>(header.entries().size());
            for (SafetensorsHeader.Entry e : header.entries()) {
                tensors.add(Tensor.mapped(e.name(), e.type(), e.shape(), mf, dataStart + e.begin()));
            }
            return new SafetensorsFile(mf, header.metadata(), tensors);
        } catch (RuntimeException | Error e) {
            mf.close();
            throw e;
        }
    }

    public Path path() {
        return file.path();
    }

    /** The {@code __metadata__} strings (empty when the header has none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** All tensors, ordered by their position in the file. */
    public List<Tensor> tensors() {
        return tensors;
    }

    /** The tensor called {@code name}, or null. */
    public Tensor tensor(String name) {
        return byName.get(name);
    }

    @Override
    public void close() {
        file.close();
    }
}
