package dev.cortado.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The tokenizer as model files carry it, with the semantics of GGUF's {@code tokenizer.ggml.*} keys:
 * what {@link TokenizerFiles} reads from Hugging Face, llama2.c and GGUF files and writes back to
 * GGUF and Hugging Face. It holds data only; encoding and decoding text live elsewhere.
 *
 * @param model        GGUF {@code tokenizer.ggml.model}: {@code "llama"} (SentencePiece-style, scores) or
 *                     {@code "gpt2"} (byte-level BPE, merges); other GGUF values are carried as they are
 * @param pre          {@code tokenizer.ggml.pre}, e.g. "default", "llama-bpe", "qwen2", "gpt-2"; null if unknown
 * @param tokens       id → token text as GGUF stores it (SentencePiece "▁" kept, byte tokens "&lt;0x0A&gt;",
 *                     gpt2 byte-level unicode)
 * @param scores       one per token, or null when absent
 * @param tokenTypes   GGUF token types ({@link #NORMAL} …), one per token, or null when absent
 * @param merges       "a b" strings in rank order, or null when absent
 * @param chatTemplate the Jinja chat template, or null
 */
public record TokenizerData(
        String model,
        String pre,
        List<String> tokens,
        float[] scores,
        int[] tokenTypes,
        List<String> merges,
        Integer bosId, Integer eosId, Integer unkId, Integer padId, Integer eotId,
        Boolean addBos, Boolean addEos,
        String chatTemplate) {

    /** GGUF token types (llama.cpp's {@code llama_token_type}). */
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    public TokenizerData {
        tokens = List.copyOf(tokens);
        merges = merges == null ? null : List.copyOf(merges);
        if (scores != null && scores.length != tokens.size())
            throw new IllegalArgumentException(scores.length + " scores for " + tokens.size() + " tokens");
        if (tokenTypes != null && tokenTypes.length != tokens.size())
            throw new IllegalArgumentException(tokenTypes.length + " token types for " + tokens.size() + " tokens");
    }

    public int vocabSize() {
        return tokens.size();
    }

    /** The type of token {@code id}: its stored type, or NORMAL when the data has none. */
    public int tokenType(int id) {
        return tokenTypes == null ? NORMAL : tokenTypes[id];
    }

    /** Token text → id; where a text occurs twice the lower id wins. */
    public Map<String, Integer> tokenIds() {
        Map<String, Integer> ids = new HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) ids.putIfAbsent(tokens.get(i), i);
        return ids;
    }

    /** The same tokenizer with other merges (e.g. none, as a GGUF "llama" vocabulary carries). */
    public TokenizerData withMerges(List<String> newMerges) {
        return new TokenizerData(model, pre, tokens, scores, tokenTypes, newMerges, bosId, eosId, unkId, padId, eotId,
                addBos, addEos, chatTemplate);
    }

    /** Field by field, arrays by content (a record's default compares arrays by identity). */
    @Override
    public boolean equals(Object o) {
        return o instanceof TokenizerData t && Objects.equals(model, t.model) && Objects.equals(pre, t.pre)
                && tokens.equals(t.tokens) && Arrays.equals(scores, t.scores) && Arrays.equals(tokenTypes, t.tokenTypes)
                && Objects.equals(merges, t.merges) && Objects.equals(bosId, t.bosId) && Objects.equals(eosId, t.eosId)
                && Objects.equals(unkId, t.unkId) && Objects.equals(padId, t.padId) && Objects.equals(eotId, t.eotId)
                && Objects.equals(addBos, t.addBos) && Objects.equals(addEos, t.addEos)
                && Objects.equals(chatTemplate, t.chatTemplate);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, pre, tokens, Arrays.hashCode(scores), Arrays.hashCode(tokenTypes), merges, bosId,
                eosId, unkId, padId, eotId, addBos, addEos, chatTemplate);
    }

    @Override
    public String toString() {
        return "TokenizerData[model=" + model + ", pre=" + pre + ", tokens=" + tokens.size()
                + ", scores=" + (scores != null) + ", types=" + (tokenTypes != null)
                + ", merges=" + (merges == null ? "none" : merges.size()) + ", bos=" + bosId + ", eos=" + eosId
                + ", unk=" + unkId + ", pad=" + padId + ", eot=" + eotId + ", addBos=" + addBos + ", addEos=" + addEos
                + ", chatTemplate=" + (chatTemplate == null ? "none" : chatTemplate.length() + " chars") + "]";
    }
}
