package dev.cortado.tokenizer.bpe;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * llama.cpp's byte-level BPE pre-tokenizers, keyed by the {@code tokenizer.ggml.pre} names it accepts
 * (llama-vocab.cpp). Each is a list of regexes applied in turn, every one splitting the pieces of the
 * one before into matches and the text between them; some names also turn on ignore_merges and BOS.
 */
record LlamaCppPre(String name, List<String> regexes, boolean ignoreMerges, boolean addBos) {
    private static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    private static final String CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
    private static final String LLAMA3 = CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2 = CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN35 = CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String GPT4O_WORDS = "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+" + CONTRACTIONS
            + "?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*" + CONTRACTIONS + "?";
    private static final String DEEPSEEK3 = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";
    private static final String BLOOM = " ?[^(\\s|.,!?…。，、।۔،)]+";

    private static final Map<String, LlamaCppPre> BY_NAME = new HashMap<>();

    private static void add(List<String> regexes, boolean ignoreMerges, boolean addBos, String... names) {
        for (String n : names) BY_NAME.put(n, new LlamaCppPre(n, regexes, ignoreMerges, addBos));
    }

    static {
        add(List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]"), false, false, "default");
        add(List.of(LLAMA3), true, true, "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0",
                "lfm2", "jina-v5-nano");
        add(List.of(LLAMA3), false, false, "dbrx", "smaug-bpe", "glm4", "chatglm-bpe");
        add(List.of("[\r\n]",
                "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
                "\\s?[!-/:-~！-／：-～‘-‟　-。]+",
                "\\s+\\z",   // ECMAScript's "$" without multiline: the end of the piece only
                "[一-龥ࠀ-一가-퟿]+",
                "\\p{N}+"), false, false, "deepseek-llm");
        add(List.of("[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}"), false, false, "deepseek-coder");
        add(List.of("\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", DEEPSEEK3), false, false, "deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4");
        add(List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]"), false, false, "falcon");
        add(List.of("\\p{N}", GPT2), false, false, "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone",
                "minerva-7b");
        add(List.of(GPT2), false, false, "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
                "a.x-4.0", "mellum", "modern-bert", "jina-v1-en", "jina-v2-code", "roberta-bpe", "exaone4", "mpt", "olmo",
                "jais", "trillion", "granite-docling");
        add(List.of(QWEN2), false, false, "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan");
        add(List.of(QWEN35), false, false, "qwen35");
        add(List.of(BLOOM), false, false, "poro-chat", "bloom", "gpt3-finnish");
        add(List.of(BLOOM, "\\p{N}"), false, false, "viking");
        add(List.of("[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
                true, true, "tekken");
        add(List.of(GPT4O_WORDS + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"), false, false,
                "gpt-4o", "llama4", "kanana2", "talkie");
        add(List.of(CONTRACTIONS + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
                false, false, "seed-coder");
        add(List.of("'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"),
                false, false, "bailingmoe", "bailingmoe2", "llada-moe");
    }

    /** The pre-tokenizer llama.cpp uses for {@code name} (null or empty: "default", as llama.cpp falls back), or null if unknown. */
    static LlamaCppPre of(String name) {
        return BY_NAME.get(name == null || name.isEmpty() ? "default" : name);
    }

    PreSplit splitter() {
        List<PreSplit> steps = new ArrayList<>();
        for (String r : regexes) steps.add(PreSplit.regex(Patterns.compile(r), PreSplit.Behavior.ISOLATED, false));
        return PreSplit.sequence(steps);
    }

}
