package dev.cortado.model;

import dev.cortado.CortadoException;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.tensor.Tensor;
import dev.cortado.tokenizer.TokenizerData;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One model as Cortado sees it, whatever file it came from: the hyper-parameters, the tensors under
 * llama.cpp's GGUF names and in GGUF's layout (Q/K rows interleaved for the llama architecture),
 * the tokenizer and chat template. Tensors are zero-copy views of the mapped source files where
 * possible; closing releases the mappings.
 */
public final class ModelFile implements AutoCloseable {
    private final Path path;
    private final ModelFormat format;
    private final ModelConfig config;
    private final LinkedHashMap<String, Tensor> tensors;
    private final TokenizerData tokenizer;
    private final GgufMetadata sourceMetadata;
    private final List<AutoCloseable> resources;
    private final String formatDetail;
    private boolean tokenizerReplaced;

    ModelFile(Path path, ModelFormat format, String formatDetail, ModelConfig config, LinkedHashMap<String, Tensor> tensors,
              TokenizerData tokenizer, GgufMetadata sourceMetadata, List<AutoCloseable> resources) {
        this.path = path;
        this.format = format;
        this.formatDetail = formatDetail;
        this.config = config;
        this.tensors = tensors;
        this.tokenizer = tokenizer;
        this.sourceMetadata = sourceMetadata;
        this.resources = new ArrayList<>(resources);
    }

    /**
     * A model held in memory rather than read from a file (a freshly initialised or trained one):
     * {@code label} names it in messages and progress, the tensors carry GGUF names and layout, and
     * the tokenizer (with its chat template) is what {@link ModelWriter#writeGguf} writes. Nothing is
     * mapped, so closing it releases nothing. Not validated here: call {@link #validate}.
     */
    public static ModelFile inMemory(Path label, ModelConfig config, List<Tensor> tensors, TokenizerData tokenizer) {
        LinkedHashMap<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            if (byName.put(t.name(), t) != null) throw new IllegalArgumentException("tensor " + t.name() + " given twice");
        }
        return new ModelFile(label, ModelFormat.GGUF, "in memory", config, byName, tokenizer, null, List.of());
    }

    public Path path() {
        return path;
    }

    public ModelFormat format() {
        return format;
    }

    /** e.g. "GGUF v3" or "llama2.c v0 (fp32)". */
    public String formatDetail() {
        return formatDetail;
    }

    public ModelConfig config() {
        return config;
    }

    /** All tensors by GGUF name, in file order. */
    public Map<String, Tensor> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    public Tensor tensor(String name) {
        return tensors.get(name);
    }

    /** The tensor, or a clear error naming it and the file. */
    public Tensor require(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw CortadoException.inFile(path, "missing tensor " + name);
        return t;
    }

    /** The tokenizer the file carries, or null. */
    public TokenizerData tokenizer() {
        return tokenizer;
    }

    /** True when the tokenizer came from --tokenizer rather than from the model's own files. */
    public boolean tokenizerReplaced() {
        return tokenizerReplaced;
    }

    ModelFile withTokenizerReplaced(boolean replaced) {
        this.tokenizerReplaced = replaced;
        return this;
    }

    public String chatTemplate() {
        return tokenizer == null ? null : tokenizer.chatTemplate();
    }

    /** The GGUF metadata read from a GGUF source (null for other formats). */
    public GgufMetadata sourceMetadata() {
        return sourceMetadata;
    }

    public long parameterCount() {
        long n = 0;
        for (Tensor t : tensors.values()) n += t.elementCount();
        return n;
    }

    public long tensorBytes() {
        long n = 0;
        for (Tensor t : tensors.values()) n += t.byteSize();
        return n;
    }

    /**
     * Checks that the architecture is supported and that every tensor it needs is present with the
     * shape its hyper-parameters imply; the first problem is reported with the tensor's name.
     */
    public ModelFile validate() {
        Architecture arch = config.requireSupported(path);
        config.validate(path);
        ModelConfig c = config;
        expect(TensorNames.TOKEN_EMBD, c.vocabSize(), c.dim());
        expect(TensorNames.OUTPUT_NORM, c.dim());
        if (!c.tiedEmbeddings()) expect(TensorNames.OUTPUT, c.vocabSize(), c.dim());
        for (int l = 0; l < c.nLayers(); l++) {
            expect(TensorNames.layer(l, "attn_norm"), c.dim());
            expect(TensorNames.layer(l, "attn_q"), c.qDim(), c.dim());
            expect(TensorNames.layer(l, "attn_k"), c.kvDim(), c.dim());
            expect(TensorNames.layer(l, "attn_v"), c.kvDim(), c.dim());
            expect(TensorNames.layer(l, "attn_output"), c.dim(), c.qDim());
            expect(TensorNames.layer(l, "ffn_norm"), c.dim());
            expect(TensorNames.layer(l, "ffn_gate"), c.ffnDim(), c.dim());
            expect(TensorNames.layer(l, "ffn_up"), c.ffnDim(), c.dim());
            expect(TensorNames.layer(l, "ffn_down"), c.dim(), c.ffnDim());
            if (arch.qkvBias()) {
                expect(TensorNames.layerBias(l, "attn_q"), c.qDim());
                expect(TensorNames.layerBias(l, "attn_k"), c.kvDim());
                expect(TensorNames.layerBias(l, "attn_v"), c.kvDim());
            }
        }
        Tensor freqs = tensors.get(TensorNames.ROPE_FREQS);
        if (freqs != null) expect(TensorNames.ROPE_FREQS, c.headDim() / 2);
        for (String name : tensors.keySet()) {
            if (name.startsWith("blk.") && TensorNames.layerOf(name) >= c.nLayers()) {
                throw CortadoException.inFile(path, "tensor " + name + " is beyond the model's " + c.nLayers() + " layers");
            }
        }
        return this;
    }

    private void expect(String name, long... shape) {
        Tensor t = require(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw CortadoException.inFile(path, "tensor " + name + " has shape " + Arrays.toString(t.shape())
                    + " but the model's hyper-parameters need " + Arrays.toString(shape));
        }
    }

    @Override
    public void close() {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception ignored) {
                // closing a mapping cannot meaningfully fail
            }
        }
        resources.clear();
    }
}
