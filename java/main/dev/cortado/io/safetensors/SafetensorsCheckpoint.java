package dev.cortado.io.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cortado.CortadoException;
import dev.cortado.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The weights of a Hugging Face style checkpoint: one {@code .safetensors} file, or a set of
 * shards listed by {@code model.safetensors.index.json} (whose {@code weight_map} says which shard
 * holds each tensor). Shards are opened in file-name order; their tensors keep file order inside
 * each shard.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";
    private static final long MAX_INDEX_BYTES = 100_000_000L;

    private final List<SafetensorsFile> files;
    private final List<Tensor> tensors;
    private final Map<String, Tensor> byName;
    private final Map<String, String> metadata;

    private SafetensorsCheckpoint(List<SafetensorsFile> files, List<Tensor> tensors) {
        this.files = List.copyOf(files);
        this.tensors = List.copyOf(tensors);
        this.byName = new HashMap<>();
        for (Tensor t : tensors) byName.put(t.name(), t);
        Map<String, String> meta = new LinkedHashMap<>();
        for (SafetensorsFile f : files) f.metadata().forEach(meta::putIfAbsent);
        this.metadata = Map.copyOf(meta);
    }

    /**
     * Opens a {@code .safetensors} file, an index JSON, or a directory holding {@code model.safetensors}
     * or {@code model.safetensors.index.json} with its shards.
     */
    public static SafetensorsCheckpoint open(Path dirOrFile) {
        if (Files.isDirectory(dirOrFile)) {
            Path single = dirOrFile.resolve(SINGLE);
            if (Files.isRegularFile(single)) return ofSingle(single);
            Path index = dirOrFile.resolve(INDEX);
            if (Files.isRegularFile(index)) return ofIndex(index);
            throw CortadoException.inFile(dirOrFile, "no " + SINGLE + " or " + INDEX + " in this directory");
        }
        if (dirOrFile.getFileName() != null && dirOrFile.getFileName().toString().endsWith(".index.json")) {
            return ofIndex(dirOrFile);
        }
        return ofSingle(dirOrFile);
    }

    private static SafetensorsCheckpoint ofSingle(Path file) {
        SafetensorsFile f = SafetensorsFile.open(file);
        return new SafetensorsCheckpoint(List.of(f), f.tensors());
    }

    private static SafetensorsCheckpoint ofIndex(Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        Path dir = index.toAbsolutePath().getParent();
        // shard name -> its tensor names, shards in file-name order
        TreeMap<String, List<String>> shards = new TreeMap<>();
        for (Map.Entry<String, String> e : weightMap.entrySet()) shards.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
        for (String shard : shards.keySet()) {
            Path p = shardPath(index, dir, shard);
            if (!Files.isRegularFile(p)) {
                throw CortadoException.inFile(index, "shard " + Quote.of(shard) + " named in weight_map is missing");
            }
        }
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            List<Tensor> tensors = new ArrayList<>(weightMap.size());
            for (Map.Entry<String, List<String>> s : shards.entrySet()) {
                SafetensorsFile f = SafetensorsFile.open(shardPath(index, dir, s.getKey()));
                opened.add(f);
                for (String name : s.getValue()) {
                    if (f.tensor(name) == null) {
                        throw CortadoException.inFile(index, "tensor " + Quote.of(name) + " is not in shard "
                                + Quote.of(s.getKey()) + ", where weight_map puts it");
                    }
                }
                // a tensor a shard holds but weight_map assigns elsewhere (or nowhere) is not part of the checkpoint
                for (Tensor t : f.tensors()) if (s.getKey().equals(weightMap.get(t.name()))) tensors.add(t);
            }
            return new SafetensorsCheckpoint(opened, tensors);
        } catch (RuntimeException | Error e) {
            for (SafetensorsFile f : opened) f.close();
            throw e;
        }
    }

    private static Map<String, String> readWeightMap(Path index) {
        byte[] bytes;
        try {
            if (!Files.exists(index)) throw CortadoException.inFile(index, "no such file");
            long size = Files.size(index);
            if (size > MAX_INDEX_BYTES) throw CortadoException.inFile(index, "index is " + size + " bytes; over the " + MAX_INDEX_BYTES + "-byte limit");
            bytes = Files.readAllBytes(index);
        } catch (IOException e) {
            throw CortadoException.inFile(index, "cannot read: " + Quote.line(e.getMessage()));
        }
        JsonNode root = Json.parse(index, "index", bytes);
        if (!root.isObject()) throw CortadoException.inFile(index, "index is JSON but not an object");
        JsonNode wm = root.get("weight_map");
        if (wm == null || !wm.isObject()) throw CortadoException.inFile(index, "index has no weight_map object");
        if (wm.isEmpty()) throw CortadoException.inFile(index, "weight_map is empty");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : wm.properties()) {
            if (!e.getValue().isTextual() || e.getValue().textValue().isEmpty()) {
                throw CortadoException.inFile(index, "weight_map entry " + Quote.of(e.getKey()) + " is not a shard file name");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    /** The shard's path; names must stay inside the index's directory. */
    private static Path shardPath(Path index, Path dir, String shard) {
        Path p;
        try {
            p = dir.resolve(shard).normalize();
        } catch (RuntimeException e) {  // InvalidPathException: a NUL or similar in the name
            throw CortadoException.inFile(index, "shard name " + Quote.of(shard) + " is not a valid file name");
        }
        if (!p.startsWith(dir.normalize()) || p.equals(dir.normalize())) {
            throw CortadoException.inFile(index, "shard name " + Quote.of(shard) + " points outside the checkpoint's directory");
        }
        return p;
    }

    /** All tensors: shard by shard in file-name order, file order inside each. */
    public List<Tensor> tensors() {
        return tensors;
    }

    /** The tensor called {@code name}, or null. */
    public Tensor tensor(String name) {
        return byName.get(name);
    }

    /** The {@code __metadata__} of the files (for shards merged; the first shard wins a conflict). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The safetensors files that were opened, in order. */
    public List<Path> files() {
        return files.stream().map(SafetensorsFile::path).toList();
    }

    @Override
    public void close() {
        for (SafetensorsFile f : files) f.close();
    }
}
