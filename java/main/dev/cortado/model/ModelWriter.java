package dev.cortado.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.CortadoException;
import dev.cortado.Progress;
import dev.cortado.io.AtomicFile;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.gguf.GgufWriter;
import dev.cortado.io.safetensors.SafetensorsWriter;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import dev.cortado.tokenizer.TokenizerData;
import dev.cortado.tokenizer.TokenizerFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link ModelFile} as a GGUF file (tokenizer and chat template included) or as a Hugging
 * Face directory (model.safetensors + config.json + tokenizer.json + tokenizer_config.json),
 * converting tensor types on the way. Outputs are written atomically.
 */
public final class ModelWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelWriter() {}

    /** What a write did: bytes of tensor data before and after, and the type each tensor got. */
    public record Report(long bytesBefore, long bytesAfter, Map<String, TensorType> types) {}

    /**
     * Writes {@code model} to {@code out} as GGUF v3. {@code target} null keeps every tensor's type;
     * otherwise types follow {@link QuantizePolicy}.
     */
    public static Report writeGguf(ModelFile model, Path out, TensorType target, Progress progress) {
        ModelConfig config = model.config();
        GgufMetadata md = ggufMetadata(model, target);
        Map<String, TensorType> types = new LinkedHashMap<>();
        long before = 0;
        long after = 0;
        try (ScratchFile scratch = new ScratchFile(out)) {
            List<Tensor> outTensors = new ArrayList<>();
            List<Integer> scratchIndex = new ArrayList<>();
            progress.start("converting " + model.path().getFileName(), model.tensorBytes(), "B");
            for (Tensor t : model.tensors().values()) {
                TensorType type = target == null ? t.type() : QuantizePolicy.typeFor(t, target, config.tiedEmbeddings());
                Tensor c = TensorConversion.convert(t, type);
                types.put(t.name(), type);
                before += t.byteSize();
                after += c.byteSize();
                if (c == t && t.isMapped()) {
                    outTensors.add(t);
                    scratchIndex.add(-1);
                } else {
                    outTensors.add(null);
                    scratchIndex.add(scratch.add(c));
                }
                progress.advance(t.byteSize());
            }
            progress.finish();
            List<Tensor> converted = scratch.tensors();
            for (int i = 0; i < outTensors.size(); i++) {
                if (scratchIndex.get(i) >= 0) outTensors.set(i, converted.get(scratchIndex.get(i)));
            }
            GgufWriter.write(out, md, outTensors);
        }
        return new Report(before, after, types);
    }

    /** The GGUF metadata for the output: the source's own keys when it was a GGUF, else built anew. */
    public static GgufMetadata ggufMetadata(ModelFile model, TensorType target) {
        GgufMetadata md;
        if (model.sourceMetadata() != null) {
            md = new GgufMetadata(model.sourceMetadata());
            if (model.tokenizer() != null && model.tokenizerReplaced()) {
                // a tokenizer given with --tokenizer replaces the file's own
                for (String k : new ArrayList<>(md.keys())) {
                    if (k.startsWith("tokenizer.")) md.remove(k);
                }
                TokenizerFiles.toGguf(model.tokenizer(), md);
            }
        } else {
            md = new GgufMetadata();
            model.config().toGguf(md);
            TokenizerData tok = model.tokenizer();
            if (tok != null) TokenizerFiles.toGguf(tok, md);
        }
        if (target != null) {
            md.putUint32("general.file_type", QuantizePolicy.fileType(target));
            if (target.isQuantized()) md.putUint32("general.quantization_version", 2);
            else md.remove("general.quantization_version");
        }
        return md;
    }

    /**
     * Writes a Hugging Face directory: {@code target} must be F32, F16 or BF16 (null: F16 or BF16
     * when every matrix already is, else F32). Q/K rows go back to the rotate-half layout.
     */
    public static Report writeHuggingFace(ModelFile model, Path dir, TensorType target, Progress progress) {
        model.validate();
        ModelConfig config = model.config();
        Architecture arch = config.arch();
        if (target == null) {
            TensorType d = QuantizePolicy.dominantType(model.tensors().values());
            target = d == TensorType.F16 || d == TensorType.BF16 ? d : TensorType.F32;
        }
        if (target != TensorType.F32 && target != TensorType.F16 && target != TensorType.BF16) {
            throw new CortadoException("--type " + target.lowerName() + ": safetensors output takes f32, f16 or bf16");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw CortadoException.inFile(dir, "exists and is not a directory");
        Map<String, TensorType> types = new LinkedHashMap<>();
        long before = 0;
        long after = 0;
        Path weights = dir.resolve("model.safetensors");
        try (ScratchFile scratch = new ScratchFile(weights)) {
            progress.start("converting " + model.path().getFileName(), model.tensorBytes(), "B");
            for (Tensor t : model.tensors().values()) {
                before += t.byteSize();
                progress.advance(t.byteSize());
                String hf = TensorNames.toHf(t.name());
                if (hf == null) {
                    progress.note("note: " + t.name() + " has no Hugging Face counterpart; rope_scaling in config.json carries it");
                    continue;
                }
                TensorType type = t.rank() < 2 ? (target == TensorType.F32 ? TensorType.F32 : target) : target;
                Tensor c = TensorConversion.convert(t, type);
                if (arch.permutesQk()) {
                    String base = TensorNames.baseOf(t.name());
                    if ("attn_q".equals(base)) c = QkPermutation.ggufToHf(c, config.nHeads());
                    if ("attn_k".equals(base)) c = QkPermutation.ggufToHf(c, config.nKvHeads());
                }
                types.put(hf, type);
                after += c.byteSize();
                scratch.add(c.renamed(hf));
            }
            progress.finish();
            SafetensorsWriter.write(weights, Map.of("format", "pt"), scratch.tensors());
        }
        TokenizerData tok = model.tokenizer();
        ObjectNode cfg = config.toHfConfig(JSON, tok == null ? null : tok.bosId(), tok == null ? null : tok.eosId());
        cfg.put("torch_dtype", switch (target) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        });
        writeJson(dir.resolve("config.json"), cfg);
        ObjectNode gen = JSON.createObjectNode();
        if (tok != null && tok.bosId() != null) gen.put("bos_token_id", tok.bosId());
        if (tok != null && tok.eosId() != null) gen.put("eos_token_id", tok.eosId());
        writeJson(dir.resolve("generation_config.json"), gen);
        if (tok != null) TokenizerFiles.writeHuggingFace(tok, dir);
        return new Report(before, after, types);
    }

    private static void writeJson(Path file, ObjectNode node) {
        AtomicFile.writeStream(file, out -> {
            out.write(JSON.writeValueAsBytes(node));
            out.write('\n');
        });
    }
}
