package dev.cortado.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The pre-tokenizer regexes of the byte-level BPE vocabularies Cortado knows by name, keyed by the
 * name llama.cpp stores in {@code tokenizer.ggml.pre}. llama.cpp recognises a vocabulary by hashing
 * its encoding of a test string; Cortado recognises it by the Split regex in tokenizer.json, which
 * is what decides the pre-tokenization.
 */
public final class PreTokenizers {
    private PreTokenizers() {}

    /** GPT-2's pattern, built into Hugging Face's ByteLevel pre-tokenizer (use_regex true). */
    public static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** Llama 3: numbers in groups of up to three digits. */
    public static final String LLAMA3 =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen 2 / 2.5 / 3: the Llama 3 pattern with single digits. */
    public static final String QWEN2 =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final Map<String, String> BY_NAME = new LinkedHashMap<>();
    static {
        BY_NAME.put("gpt-2", GPT2);
        BY_NAME.put("llama-bpe", LLAMA3);
        BY_NAME.put("qwen2", QWEN2);
        // tiktoken's own patterns, under llama.cpp's names for their families (exported tiktoken encodings)
        BY_NAME.put("dbrx", dev.cortado.tokenizer.tiktoken.TiktokenPattern.CL100K.regex());
        BY_NAME.put("gpt-4o", dev.cortado.tokenizer.tiktoken.TiktokenPattern.O200K.regex());
    }

    /** The regex of a known {@code tokenizer.ggml.pre} name, or null. */
    public static String regex(String pre) {
        return pre == null ? null : BY_NAME.get(pre);
    }

    /** The name whose regex is exactly {@code regex}, or null. */
    public static String nameOf(String regex) {
        for (var e : BY_NAME.entrySet()) if (e.getValue().equals(regex)) return e.getKey();
        return null;
    }

    /**
     * The {@code tokenizer.ggml.pre} name for a tokenizer.json {@code pre_tokenizer}: the known Split
     * regex it carries, "gpt-2" for a lone ByteLevel that applies GPT-2's own regex, else "default".
     */
    static String detect(JsonNode preTokenizer) {
        if (preTokenizer == null || preTokenizer.isNull()) return "default";
        String split = firstSplitRegex(preTokenizer);
        if (split != null) {
            String name = nameOf(split);
            return name != null ? name : "default";
        }
        if ("ByteLevel".equals(Json.text(preTokenizer, "type"))) {
            JsonNode useRegex = preTokenizer.get("use_regex");
            if (useRegex == null || useRegex.asBoolean(true)) return "gpt-2";
        }
        return "default";
    }

    private static String firstSplitRegex(JsonNode n) {
        if (n.isObject() && "Split".equals(Json.text(n, "type"))) {
            JsonNode p = n.get("pattern");
            return p == null ? null : Json.text(p, "Regex");
        }
        for (JsonNode c : n) {
            String r = firstSplitRegex(c);
            if (r != null) return r;
        }
        return null;
    }
}
