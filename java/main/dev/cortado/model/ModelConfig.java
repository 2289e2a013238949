package dev.cortado.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.CortadoException;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.llama2c.Llama2cConfig;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The hyper-parameters of a Llama-family transformer, filled from GGUF metadata, a Hugging Face
 * {@code config.json} or a llama2.c header, and written back to either.
 *
 * @param architecture GGUF architecture name ("llama", "qwen2"; other names are kept for inspection)
 * @param name         general.name, or null
 * @param dim          embedding width (hidden_size)
 * @param headDim      per-head width (usually dim / nHeads)
 * @param ropeScaling  null when RoPE is not scaled
 * @param tiedEmbeddings the output projection reuses token_embd (no output.weight)
 */
public record ModelConfig(
        String architecture,
        String name,
        int dim,
        int nLayers,
        int nHeads,
        int nKvHeads,
        int headDim,
        int ffnDim,
        int vocabSize,
        int contextLength,
        float rmsEps,
        float ropeTheta,
        RopeScaling ropeScaling,
        boolean tiedEmbeddings) {

    /** The supported architecture, or null when this config describes another one. */
    public Architecture arch() {
        return Architecture.fromGguf(architecture);
    }

    /** The supported architecture; a clear error naming the architecture otherwise. */
    public Architecture requireSupported(Object file) {
        Architecture a = arch();
        if (a == null) {
            throw CortadoException.inFile(file, "architecture '" + architecture + "' is not supported (supported: "
                    + Architecture.supportedNames() + ")");
        }
        return a;
    }

    public int qDim() {
        return nHeads * headDim;
    }

    public int kvDim() {
        return nKvHeads * headDim;
    }

    public ModelConfig withTiedEmbeddings(boolean tied) {
        return new ModelConfig(architecture, name, dim, nLayers, nHeads, nKvHeads, headDim, ffnDim, vocabSize,
                contextLength, rmsEps, ropeTheta, ropeScaling, tied);
    }

    public ModelConfig withVocabSize(int vocab) {
        return new ModelConfig(architecture, name, dim, nLayers, nHeads, nKvHeads, headDim, ffnDim, vocab,
                contextLength, rmsEps, ropeTheta, ropeScaling, tiedEmbeddings);
    }

    /** Checks the numbers are positive and consistent; {@code file} names the source in the message. */
    public ModelConfig validate(Object file) {
        check(file, dim > 0, "embedding width " + dim + " must be positive");
        check(file, nLayers > 0, "layer count " + nLayers + " must be positive");
        check(file, nHeads > 0, "head count " + nHeads + " must be positive");
        check(file, nKvHeads > 0 && nHeads % nKvHeads == 0,
                "KV head count " + nKvHeads + " must divide the head count " + nHeads);
        check(file, headDim > 0 && headDim % 2 == 0, "head width " + headDim + " must be positive and even");
        check(file, ffnDim > 0, "feed-forward width " + ffnDim + " must be positive");
        check(file, vocabSize > 0, "vocabulary size " + vocabSize + " must be positive");
        check(file, contextLength > 0, "context length " + contextLength + " must be positive");
        check(file, rmsEps > 0 && Float.isFinite(rmsEps), "RMS norm epsilon " + rmsEps + " must be positive");
        check(file, ropeTheta > 0 && Float.isFinite(ropeTheta), "RoPE base " + ropeTheta + " must be positive");
        return this;
    }

    private static void check(Object file, boolean ok, String problem) {
        if (!ok) throw CortadoException.inFile(file, problem);
    }

    // ---- GGUF -----------------------------------------------------------------------------

    /**
     * Reads {@code <arch>.*} keys. Missing numbers become 0 (and fail {@link #validate}); this stays
     * lenient so that {@code inspect} can show any GGUF, vocabulary-only files included.
     */
    public static ModelConfig fromGguf(GgufMetadata md, int vocabFallback, boolean tied) {
        String arch = md.getString("general.architecture");
        if (arch == null) arch = "unknown";
        String p = arch + ".";
        int dim = md.getInt(p + "embedding_length", 0);
        int heads = md.getInt(p + "attention.head_count", 0);
        int kvHeads = md.getInt(p + "attention.head_count_kv", heads);
        int headDim = md.getInt(p + "attention.key_length", heads > 0 ? dim / heads : 0);
        int vocab = md.getInt(p + "vocab_size", vocabFallback);
        RopeScaling scaling = null;
        String scalingType = md.getString(p + "rope.scaling.type");
        if (scalingType != null && !scalingType.equals("none")) {
            scaling = new RopeScaling(scalingType, (float) md.getDouble(p + "rope.scaling.factor", 1.0), 0, 0,
                    md.getInt(p + "rope.scaling.original_context_length", 0));
        }
        return new ModelConfig(arch, md.getString("general.name"), dim, md.getInt(p + "block_count", 0), heads, kvHeads,
                headDim, md.getInt(p + "feed_forward_length", 0), vocab, md.getInt(p + "context_length", 0),
                (float) md.getDouble(p + "attention.layer_norm_rms_epsilon", 1e-5),
                (float) md.getDouble(p + "rope.freq_base", 10000.0), scaling, tied);
    }

    /** Writes the hyper-parameters with the keys and value types llama.cpp's converter uses. */
    public void toGguf(GgufMetadata md) {
        String p = architecture + ".";
        md.putString("general.architecture", architecture);
        if (name != null) md.putString("general.name", name);
        md.putUint32(p + "vocab_size", vocabSize);
        md.putUint32(p + "context_length", contextLength);
        md.putUint32(p + "embedding_length", dim);
        md.putUint32(p + "block_count", nLayers);
        md.putUint32(p + "feed_forward_length", ffnDim);
        md.putUint32(p + "rope.dimension_count", headDim);
        md.putUint32(p + "attention.head_count", nHeads);
        md.putUint32(p + "attention.head_count_kv", nKvHeads);
        if (headDim * nHeads != dim) {
            md.putUint32(p + "attention.key_length", headDim);
            md.putUint32(p + "attention.value_length", headDim);
        }
        md.putFloat32(p + "attention.layer_norm_rms_epsilon", rmsEps);
        md.putFloat32(p + "rope.freq_base", ropeTheta);
        // llama3 scaling travels as the rope_freqs.weight tensor, not as keys (as in llama.cpp)
        if (ropeScaling != null && !ropeScaling.type().equals("llama3")) {
            md.putString(p + "rope.scaling.type", ropeScaling.type());
            md.putFloat32(p + "rope.scaling.factor", ropeScaling.factor());
            if (ropeScaling.originalContextLength() > 0) {
                md.putUint32(p + "rope.scaling.original_context_length", ropeScaling.originalContextLength());
            }
        }
    }

    // ---- Hugging Face config.json -----------------------------------------------------------

    public static ModelConfig fromHfConfig(JsonNode c, Path file) {
        if (c == null || !c.isObject()) throw CortadoException.inFile(file, "is not a JSON object");
        Architecture arch = null;
        JsonNode classes = c.get("architectures");
        String cls = classes != null && classes.isArray() && classes.size() > 0 ? classes.get(0).asText() : null;
        if (cls != null) arch = Architecture.fromHfClass(cls);
        if (arch == null) arch = Architecture.fromHfModelType(text(c, "model_type"));
        if (arch == null) {
            throw CortadoException.inFile(file, "architecture '" + (cls != null ? cls : text(c, "model_type"))
                    + "' is not supported (supported: " + Architecture.supportedHfClasses() + ")");
        }
        int dim = integer(c, "hidden_size", file, -1);
        int heads = integer(c, "num_attention_heads", file, -1);
        int kvHeads = integer(c, "num_key_value_heads", file, heads);
        int headDim = integer(c, "head_dim", file, heads > 0 ? dim / heads : 0);
        RopeScaling scaling = null;
        JsonNode rs = c.get("rope_scaling");
        if (rs != null && rs.isObject()) {
            String type = rs.has("rope_type") ? rs.get("rope_type").asText() : text(rs, "type");
            if (type != null && !type.equals("default")) {
                type = type.toLowerCase(Locale.ROOT);
                if (!type.equals("linear") && !type.equals("llama3") && !type.equals("yarn")) {
                    throw CortadoException.inFile(file, "rope_scaling type '" + type + "' is not supported (linear, llama3, yarn)");
                }
                scaling = new RopeScaling(type, (float) rs.path("factor").asDouble(1.0),
                        (float) rs.path("low_freq_factor").asDouble(0), (float) rs.path("high_freq_factor").asDouble(0),
                        rs.path("original_max_position_embeddings").asInt(0));
            }
        }
        boolean tied = c.path("tie_word_embeddings").asBoolean(false);
        String name = text(c, "_name_or_path");
        if (name == null || name.isBlank()) {
            Path dir = file.toAbsolutePath().getParent();
            name = dir == null || dir.getFileName() == null ? null : dir.getFileName().toString();
        }
        return new ModelConfig(arch.ggufName(), name, dim, integer(c, "num_hidden_layers", file, -1),
                heads, kvHeads, headDim, integer(c, "intermediate_size", file, -1), integer(c, "vocab_size", file, -1),
                integer(c, "max_position_embeddings", file, 2048),
                (float) c.path("rms_norm_eps").asDouble(1e-6), (float) c.path("rope_theta").asDouble(10000.0),
                scaling, tied);
    }

    /** A config.json for this model, as transformers writes one. */
    public ObjectNode toHfConfig(ObjectMapper json, Integer bosId, Integer eosId) {
        Architecture a = arch();
        ObjectNode c = json.createObjectNode();
        c.putArray("architectures").add(a.hfClass());
        c.put("model_type", a.hfModelType());
        c.put("hidden_size", dim);
        c.put("intermediate_size", ffnDim);
        c.put("num_hidden_layers", nLayers);
        c.put("num_attention_heads", nHeads);
        c.put("num_key_value_heads", nKvHeads);
        c.put("head_dim", headDim);
        c.put("vocab_size", vocabSize);
        c.put("max_position_embeddings", contextLength);
        c.put("rms_norm_eps", rmsEps);
        c.put("rope_theta", ropeTheta);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", tiedEmbeddings);
        c.put("torch_dtype", "float32");
        if (a == Architecture.LLAMA) c.put("attention_bias", false);
        if (bosId != null) c.put("bos_token_id", bosId);
        if (eosId != null) c.put("eos_token_id", eosId);
        if (ropeScaling != null) {
            ObjectNode rs = c.putObject("rope_scaling");
            rs.put("rope_type", ropeScaling.type());
            rs.put("factor", ropeScaling.factor());
            if (ropeScaling.type().equals("llama3")) {
                rs.put("low_freq_factor", ropeScaling.lowFreqFactor());
                rs.put("high_freq_factor", ropeScaling.highFreqFactor());
            }
            if (ropeScaling.originalContextLength() > 0) {
                rs.put("original_max_position_embeddings", ropeScaling.originalContextLength());
            }
        }
        return c;
    }

    private static String text(JsonNode c, String key) {
        JsonNode v = c.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static int integer(JsonNode c, String key, Path file, int dflt) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            if (dflt < 0) throw CortadoException.inFile(file, "missing \"" + key + "\"");
            return dflt;
        }
        if (!v.canConvertToInt()) throw CortadoException.inFile(file, "\"" + key + "\" is not an integer: " + v);
        return v.intValue();
    }

    // ---- llama2.c -----------------------------------------------------------------------------

    public static ModelConfig fromLlama2c(Llama2cConfig c, String name) {
        return new ModelConfig("llama", name, c.dim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.dim() / c.nHeads(),
                c.hiddenDim(), c.vocabSize(), c.seqLen(), 1e-5f, 10000f, null, c.sharedClassifier());
    }

}
