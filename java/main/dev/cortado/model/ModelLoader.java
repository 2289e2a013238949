package dev.cortado.model;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.CortadoException;
import dev.cortado.io.gguf.GgufFile;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.llama2c.Llama2cCheckpoint;
import dev.cortado.io.llama2c.Llama2cConfig;
import dev.cortado.io.safetensors.SafetensorsCheckpoint;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import dev.cortado.tokenizer.TokenizerData;
import dev.cortado.tokenizer.TokenizerFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens a model from any of the formats Cortado reads — a GGUF file, a Hugging Face directory
 * (config.json + safetensors, sharded or not, + tokenizer.json), or a llama2.c checkpoint with its
 * tokenizer.bin — into one {@link ModelFile} with GGUF tensor names and layout.
 */
public final class ModelLoader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelLoader() {}

    /** Opens {@code path}, finding a llama2.c tokenizer beside the checkpoint when there is one. */
    public static ModelFile open(Path path) {
        return open(path, null);
    }

    /**
     * Opens {@code path}; {@code tokenizerPath} (nullable) overrides the tokenizer: a tokenizer.json,
     * a llama2.c tokenizer.bin, or a GGUF file whose tokenizer is taken.
     */
    public static ModelFile open(Path path, Path tokenizerPath) {
        if (!Files.exists(path)) throw CortadoException.inFile(path, "no such file or directory");
        ModelFile m;
        if (Files.isDirectory(path)) {
            m = openHuggingFace(path, tokenizerPath);
        } else if (path.getFileName().toString().endsWith(".safetensors") || path.getFileName().toString().endsWith(".index.json")) {
            m = openHuggingFace(path.toAbsolutePath().getParent(), tokenizerPath);
        } else {
            String magic = magic(path);
            if (magic.equals("GGUF") || magic.equals("FUGG")) {
                m = openGguf(path, tokenizerPath);
            } else if (path.getFileName().toString().endsWith(".gguf")) {
                throw CortadoException.inFile(path, "not a GGUF file (magic bytes " + printable(magic) + ", expected GGUF)");
            } else {
                m = openLlama2c(path, tokenizerPath);
            }
        }
        return m.withTokenizerReplaced(tokenizerPath != null);
    }

    private static String magic(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] b = in.readNBytes(4);
            return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw CortadoException.inFile(path, "cannot read: " + e.getMessage());
        }
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) sb.append(c >= 32 && c < 127 ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        return "\"" + sb + "\"";
    }

    // ---- GGUF ------------------------------------------------------------------------------------

    private static ModelFile openGguf(Path path, Path tokenizerPath) {
        GgufFile gguf = GgufFile.open(path);
        try {
            GgufMetadata md = gguf.metadata();
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            for (Tensor t : gguf.tensors()) tensors.put(t.name(), t);
            TokenizerData tok = tokenizerPath != null ? loadTokenizer(tokenizerPath, 0) : TokenizerFiles.fromGguf(md);
            int vocab = tok != null ? tok.vocabSize() : 0;
            Tensor embd = tensors.get(TensorNames.TOKEN_EMBD);
            if (embd != null && embd.rank() == 2) vocab = (int) embd.dim(0);
            boolean tied = !tensors.containsKey(TensorNames.OUTPUT);
            ModelConfig config = ModelConfig.fromGguf(md, vocab, tied);
            return new ModelFile(path, ModelFormat.GGUF, "GGUF v" + gguf.version(), config, tensors, tok, md, List.of(gguf));
        } catch (RuntimeException e) {
            gguf.close();
            throw e;
        }
    }

    // ---- Hugging Face ---------------------------------------------------------------------------

    private static ModelFile openHuggingFace(Path dir, Path tokenizerPath) {
        Path configFile = dir.resolve("config.json");
        if (!Files.exists(configFile)) {
            throw CortadoException.inFile(dir, "no config.json: not a Hugging Face model directory");
        }
        ModelConfig config = ModelConfig.fromHfConfig(readJson(configFile), configFile).validate(configFile);
        Architecture arch = config.arch();
        SafetensorsCheckpoint st = SafetensorsCheckpoint.open(dir);
        try {
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            for (Tensor t : st.tensors()) {
                String name;
                try {
                    name = TensorNames.fromHf(t.name());
                } catch (IllegalArgumentException e) {
                    throw CortadoException.inFile(dir, "tensor " + t.name() + " is not part of a " + arch.hfClass() + " model");
                }
                if (name == null) continue;
                Tensor g = t.renamed(name);
                if (arch.permutesQk()) {
                    String base = TensorNames.baseOf(name);
                    int heads = "attn_q".equals(base) ? config.nHeads() : "attn_k".equals(base) ? config.nKvHeads() : 0;
                    if (heads > 0) {
                        if (g.rank() < 1 || g.dim(0) != (long) heads * config.headDim()) {
                            throw CortadoException.inFile(dir, "tensor " + t.name() + " has shape " + java.util.Arrays.toString(g.shape())
                                    + " but config.json needs " + heads + " heads of " + config.headDim() + " rows");
                        }
                        g = QkPermutation.hfToGguf(g, heads);
                    }
                }
                tensors.put(name, g);
            }
            if (!tensors.containsKey(TensorNames.TOKEN_EMBD) && tensors.containsKey(TensorNames.OUTPUT) && config.tiedEmbeddings()) {
                // tied weights saved once, under lm_head (safetensors stores a shared tensor under one name)
                LinkedHashMap<String, Tensor> renamed = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                    if (e.getKey().equals(TensorNames.OUTPUT)) renamed.put(TensorNames.TOKEN_EMBD, e.getValue().renamed(TensorNames.TOKEN_EMBD));
                    else renamed.put(e.getKey(), e.getValue());
                }
                tensors = renamed;
            }
            config = config.withTiedEmbeddings(!tensors.containsKey(TensorNames.OUTPUT));
            if (config.ropeScaling() != null && config.ropeScaling().type().equals("llama3")) {
                float[] f = config.ropeScaling().llama3FrequencyFactors(config.headDim(), config.ropeTheta());
                tensors.put(TensorNames.ROPE_FREQS, Tensor.ofFloats(TensorNames.ROPE_FREQS, TensorType.F32, new long[] {f.length}, f));
            }
            TokenizerData tok;
            if (tokenizerPath != null) {
                tok = loadTokenizer(tokenizerPath, config.vocabSize());
            } else if (Files.exists(dir.resolve("tokenizer.json"))) {
                Path cfg = dir.resolve("tokenizer_config.json");
                tok = TokenizerFiles.fromHuggingFace(dir.resolve("tokenizer.json"), Files.exists(cfg) ? cfg : null);
            } else {
                tok = null;
            }
            return new ModelFile(dir, ModelFormat.HUGGING_FACE, "Hugging Face safetensors (" + st.files().size() + " file"
                    + (st.files().size() == 1 ? "" : "s") + ")", config, tensors, tok, null, List.of(st));
        } catch (RuntimeException e) {
            st.close();
            throw e;
        }
    }

    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw CortadoException.inFile(file, "malformed JSON: " + e.getOriginalMessage().lines().findFirst().orElse("")
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : ""));
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        }
    }

    // ---- llama2.c -------------------------------------------------------------------------------

    private static ModelFile openLlama2c(Path path, Path tokenizerPath) {
        Llama2cCheckpoint ck = Llama2cCheckpoint.open(path);
        try {
            Llama2cConfig c = ck.config();
            String name = path.getFileName().toString().replaceFirst("\\.bin$", "");
            ModelConfig config = ModelConfig.fromLlama2c(c, name);
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            for (Tensor t : ck.tensors()) {
                String g = TensorNames.fromLlama2c(t.name());
                tensors.put(g, t.renamed(g));
            }
            Path tokFile = tokenizerPath != null ? tokenizerPath : findLlama2cTokenizer(path, c.vocabSize());
            TokenizerData tok = tokFile == null ? null : loadTokenizer(tokFile, c.vocabSize());
            return new ModelFile(path, ModelFormat.LLAMA2C, "llama2.c v0 (fp32)", config, tensors, tok, null, List.of(ck));
        } catch (RuntimeException e) {
            ck.close();
            throw e;
        }
    }

    /** tokenizer.bin or tok{vocab}.bin beside the checkpoint (llama2.c's conventions), or null. */
    static Path findLlama2cTokenizer(Path checkpoint, int vocab) {
        Path dir = checkpoint.toAbsolutePath().getParent();
        for (String n : new String[] {"tok" + vocab + ".bin", "tokenizer.bin"}) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p) && !p.equals(checkpoint.toAbsolutePath())) return p;
        }
        return null;
    }

    /** A tokenizer from a tokenizer.json, a llama2.c tokenizer.bin, or a GGUF file. */
    public static TokenizerData loadTokenizer(Path file, int vocabSize) {
        if (!Files.isRegularFile(file)) throw CortadoException.inFile(file, "no such tokenizer file");
        String n = file.getFileName().toString();
        if (n.endsWith(".json")) {
            Path cfg = file.toAbsolutePath().resolveSibling("tokenizer_config.json");
            return TokenizerFiles.fromHuggingFace(file, Files.exists(cfg) ? cfg : null);
        }
        if (magic(file).equals("GGUF")) {
            try (GgufFile g = GgufFile.open(file)) {
                TokenizerData t = TokenizerFiles.fromGguf(g.metadata());
                if (t == null) throw CortadoException.inFile(file, "carries no tokenizer (no tokenizer.ggml.model)");
                return t;
            }
        }
        if (vocabSize <= 0) throw CortadoException.inFile(file, "a llama2.c tokenizer needs the model's vocabulary size");
        return TokenizerFiles.fromLlama2c(file, vocabSize);
    }
}
