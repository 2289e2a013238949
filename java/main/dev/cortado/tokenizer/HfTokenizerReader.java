package dev.cortado.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cortado.CortadoException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a Hugging Face BPE tokenizer (tokenizer.json + tokenizer_config.json) into {@link TokenizerData}
 * the way llama.cpp's convert_hf_to_gguf.py reads it. Files beside tokenizer.json are used when present:
 * special_tokens_map.json (special tokens the config does not name), config.json (the model's
 * {@code vocab_size}, which pads the vocabulary with "[PADn]" tokens, and {@code *_token_id}s the
 * tokenizer files do not give), chat_template.jinja / chat_template.json (newer layouts).
 */
final class HfTokenizerReader {
    /** More ids than any real vocabulary; a larger declared id or size is refused rather than allocated. */
    static final int MAX_VOCAB = 1 << 24;
    private static final Pattern BYTE_TOKEN = Pattern.compile("<0x[0-9A-Fa-f]{2}>");

    private final Path file, configFile;
    private final JsonNode root, config, specialMap, modelConfig;
    private final Map<String, Integer> added = new HashMap<>();       // added token content → id
    private final Map<Integer, Boolean> addedSpecial = new HashMap<>(); // added id → its "special" flag
    private final Map<String, Integer> vocab = new HashMap<>();

    private HfTokenizerReader(Path tokenizerJson, Path configJson) {
        this.file = tokenizerJson;
        this.configFile = configJson;
        this.root = Json.read(tokenizerJson);
        this.config = configJson == null ? null : Json.read(configJson);
        Path dir = tokenizerJson.toAbsolutePath().getParent();
        this.specialMap = Json.readIfPresent(dir.resolve("special_tokens_map.json"));
        this.modelConfig = Json.readIfPresent(dir.resolve("config.json"));
    }

    static TokenizerData read(Path tokenizerJson, Path configJson) {
        return new HfTokenizerReader(tokenizerJson, configJson).read();
    }

    private TokenizerData read() {
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) throw fail("no \"model\" object");
        String type = Json.text(model, "type");
        if (type == null && model.has("merges")) type = "BPE";  // files from before "type" was written
        if (!"BPE".equals(type)) throw fail("tokenizer model type " + (type == null ? "(none)" : "'" + type + "'")
                + " is not supported (only BPE)");
        readVocab(model);
        String kind = kindOf(model);

        int maxId = -1;
        for (int id : vocab.values()) maxId = Math.max(maxId, id);
        for (int id : added.values()) maxId = Math.max(maxId, id);
        int n = Math.max(maxId + 1, declaredVocabSize());
        if (n == 0) throw fail("the vocabulary is empty");

        String[] tokens = new String[n];
        for (var e : vocab.entrySet()) tokens[e.getValue()] = e.getKey();
        for (var e : added.entrySet()) tokens[e.getValue()] = e.getKey();
        int[] types = new int[n];
        Integer unkId = specialId("unk");
        if (unkId == null && "llama".equals(kind)) unkId = idOf(Json.text(model, "unk_token"));
        for (int i = 0; i < n; i++) {
            if (tokens[i] == null) {
                // llama.cpp fills ids the files do not use, so that ids keep matching embedding rows.
                tokens[i] = "[PAD" + i + "]";
                types[i] = TokenizerData.UNUSED;
            } else if (unkId != null && i == unkId && "llama".equals(kind)) {
                types[i] = TokenizerData.UNKNOWN;
            } else if (addedSpecial.containsKey(i)) {
                types[i] = addedSpecial.get(i) || looksSpecial(tokens[i]) ? TokenizerData.CONTROL : TokenizerData.USER_DEFINED;
            } else if ("llama".equals(kind) && BYTE_TOKEN.matcher(tokens[i]).matches()) {
                types[i] = TokenizerData.BYTE;
            } else {
                types[i] = TokenizerData.NORMAL;
            }
        }
        List<String> tokenList = List.of(tokens);
        List<String> merges = readMerges(model.get("merges"));
        float[] scores = "llama".equals(kind) ? SpmScores.fromMerges(tokenList, types, merges) : null;
        String pre = "llama".equals(kind) ? "default" : PreTokenizers.detect(root.get("pre_tokenizer"));

        Integer bos = specialId("bos"), eos = specialId("eos");
        PostProcessing post = postProcessing(bos, eos);
        if (bos == null) bos = idOf(post.leading());
        // tokenizer_config.json's add_*_token, when it says, wins over the post-processor (as in llama.cpp).
        Boolean addBos = Json.bool(config, "add_bos_token") != null ? Json.bool(config, "add_bos_token") : post.addBos();
        Boolean addEos = Json.bool(config, "add_eos_token") != null ? Json.bool(config, "add_eos_token") : post.addEos();
        return new TokenizerData(kind, pre, tokenList, scores, types, merges, bos, eos, unkId, specialId("pad"),
                specialId("eot"), addBos, addEos, chatTemplate());
    }

    private void readVocab(JsonNode model) {
        JsonNode v = model.get("vocab");
        if (v == null || !v.isObject()) throw fail("model.vocab is not an object");
        for (var it = v.fields(); it.hasNext(); ) {
            var e = it.next();
            vocab.put(e.getKey(), checkId(e.getValue(), "model.vocab[\"" + e.getKey() + "\"]"));
        }
        JsonNode list = root.get("added_tokens");
        if (list == null || list.isNull()) return;
        if (!list.isArray()) throw fail("added_tokens is not a list");
        for (JsonNode a : list) {
            String content = Json.text(a, "content");
            if (content == null) throw fail("an added token has no content");
            int id = checkId(a.get("id"), "added token \"" + content + "\"");
            added.put(content, id);
            addedSpecial.put(id, a.path("special").asBoolean(false));
        }
    }

    private int checkId(JsonNode id, String what) {
        if (id == null || !id.canConvertToInt() || !id.isIntegralNumber())
            throw fail(what + " has no integer id");
        int v = id.asInt();
        if (v < 0 || v >= MAX_VOCAB) throw fail(what + " has id " + v + ", outside 0.." + (MAX_VOCAB - 1));
        return v;
    }

    /** "llama" for SentencePiece-style BPE (byte fallback, "▁" for spaces), "gpt2" for byte-level BPE. */
    private String kindOf(JsonNode model) {
        boolean metaspace = Json.containsType(root.get("pre_tokenizer"), "Metaspace")
                || Json.containsType(root.get("normalizer"), "Prepend") || Json.containsType(root.get("decoder"), "Metaspace");
        if (model.path("byte_fallback").asBoolean(false) || metaspace) return "llama";
        if (Json.containsType(root.get("pre_tokenizer"), "ByteLevel") || Json.containsType(root.get("decoder"), "ByteLevel"))
            return "gpt2";
        throw fail("a BPE tokenizer that is neither byte-level (ByteLevel) nor SentencePiece-style (byte_fallback, Metaspace)");
    }

    /** The model's vocab_size from config.json (or its text_config), when it is larger than the tokenizer's. */
    private int declaredVocabSize() {
        if (modelConfig == null) return 0;
        JsonNode v = modelConfig.get("vocab_size");
        if (v == null && modelConfig.has("text_config")) v = modelConfig.get("text_config").get("vocab_size");
        if (v == null || !v.isIntegralNumber()) return 0;
        long n = v.asLong();
        if (n < 0 || n > MAX_VOCAB)
            throw CortadoException.inFile(file.resolveSibling("config.json"), "vocab_size " + n + " is out of range");
        return (int) n;
    }

    /** Merges as "a b"; the newer [a, b] form has spaces inside a part written as U+0120, as llama.cpp does. */
    private List<String> readMerges(JsonNode m) {
        if (m == null || m.isNull()) return List.of();
        if (!m.isArray()) throw fail("model.merges is not a list");
        List<String> merges = new ArrayList<>(m.size());
        for (JsonNode e : m) {
            if (e.isTextual()) {
                if (SpmScores.splitMerge(e.asText()) == null) throw fail("merge \"" + e.asText() + "\" is not two tokens");
                merges.add(e.asText());
            } else if (e.isArray() && e.size() == 2 && e.get(0).isTextual() && e.get(1).isTextual()) {
                merges.add(e.get(0).asText().replace(' ', '\u0120') + " " + e.get(1).asText().replace(' ', '\u0120'));
            } else {
                throw fail("merge " + Json.oneLine(e.toString()) + " is neither \"a b\" nor [a, b]");
            }
        }
        return merges;
    }

    /** The id of a special token ("bos", "eos", "unk", "pad", "eot") as llama.cpp's SpecialVocab finds it. */
    private Integer specialId(String kind) {
        String content = Json.tokenContent(config == null ? null : config.get(kind + "_token"));
        if (content == null && (config == null || !config.has(kind + "_token")))
            content = Json.tokenContent(specialMap == null ? null : specialMap.get(kind + "_token"));
        Integer id = idOf(content);
        if (id == null && modelConfig != null) {
            JsonNode v = modelConfig.get(kind + "_token_id");
            if (v == null && modelConfig.has("text_config")) v = modelConfig.get("text_config").get(kind + "_token_id");
            if (v != null && v.isIntegralNumber() && v.asLong() >= 0 && v.asLong() < MAX_VOCAB) id = v.asInt();
        }
        return id;
    }

    private Integer idOf(String content) {
        if (content == null) return null;
        Integer id = added.get(content);
        return id != null ? id : vocab.get(content);
    }

    /**
     * What the post-processor says about BOS and EOS, as llama.cpp reads it: a TemplateProcessing whose
     * single-sequence template starts (ends) with a special token adds BOS (EOS) when that token is the
     * named BOS (EOS); with no BOS named, the leading token becomes it. RobertaProcessing adds both.
     */
    private record PostProcessing(Boolean addBos, Boolean addEos, String leading) {}

    private PostProcessing postProcessing(Integer bos, Integer eos) {
        JsonNode pp = root.get("post_processor");
        Boolean addBos = null, addEos = null;
        String leading = null;
        if (pp == null || !pp.isObject()) return new PostProcessing(null, null, null);
        List<JsonNode> processors = new ArrayList<>();
        if (pp.has("processors")) pp.get("processors").forEach(processors::add);
        else processors.add(pp);
        for (JsonNode p : processors) {
            String type = Json.text(p, "type");
            if ("RobertaProcessing".equals(type) || "BertProcessing".equals(type)) {
                addBos = addEos = true;
            } else if ("TemplateProcessing".equals(type)) {
                JsonNode single = p.get("single");
                if (single == null || !single.isArray() || single.size() < 2) continue;
                String first = Json.text(single.get(0).get("SpecialToken"), "id");
                String last = Json.text(single.get(single.size() - 1).get("SpecialToken"), "id");
                if (first != null) {
                    leading = first;
                    addBos = bos == null || bos.equals(idOf(first));
                }
                if (last != null) addEos = eos != null && eos.equals(idOf(last));
            }
        }
        return new PostProcessing(addBos, addEos, leading);
    }

    /** tokenizer_config.json's chat_template (a string, or a list of named templates: "default"), else the files beside. */
    private String chatTemplate() {
        JsonNode t = config == null ? null : config.get("chat_template");
        Path from = configFile;
        if (t == null || t.isNull()) {
            Path dir = file.toAbsolutePath().getParent();
            Path jinja = dir.resolve("chat_template.jinja");
            if (Files.isRegularFile(jinja)) {
                try {
                    return Files.readString(jinja);
                } catch (IOException e) {
                    throw CortadoException.inFile(jinja, "cannot read: " + Json.oneLine(e.getMessage()));
                }
            }
            from = dir.resolve("chat_template.json");
            JsonNode alt = Json.readIfPresent(from);
            t = alt == null ? null : alt.get("chat_template");
        }
        if (t == null || t.isNull()) return null;
        if (t.isTextual()) return t.asText();
        if (t.isArray()) {
            for (JsonNode named : t) if ("default".equals(Json.text(named, "name"))) return Json.text(named, "template");
            return null;
        }
        throw CortadoException.inFile(from, "chat_template is neither a string nor a list of {name, template}");
    }

    /**
     * llama.cpp's rule for added tokens that ought to be control tokens although not marked special
     * (e.g. Qwen's "&lt;|fim_prefix|&gt;").
     */
    static boolean looksSpecial(String t) {
        return t.equals("<pad>") || t.equals("<mask>") || t.equals("<2mass>") || t.equals("[@BOS@]")
                || (t.startsWith("<|") && t.endsWith("|>")) || (t.startsWith("<\uFF5C") && t.endsWith("\uFF5C>"))
                || (t.startsWith("<unused") && t.endsWith(">"));
    }

    private CortadoException fail(String problem) {
        return CortadoException.inFile(file, problem);
    }
}
