package dev.cortado.tokenizer.spm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cortado.tokenizer.spm.SentencePieceBpe.Options;
import dev.cortado.tokenizer.spm.SentencePieceBpe.SpacePrefix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@link Options} a SentencePiece-style Hugging Face tokenizer.json asks for, beyond what
 * {@code TokenizerData} carries: where "▁" is prepended (a Prepend normalizer: each run; a Metaspace
 * pre-tokenizer: its prepend_scheme), the BPE model's fuse_unk, and the added tokens' normalized,
 * lstrip and rstrip flags.
 */
public final class HfSpmOptions {
    private HfSpmOptions() {}

    /** The options of the parsed tokenizer.json {@code root}. */
    public static Options of(JsonNode root) {
        List<JsonNode> normalizers = flatten(root.get("normalizer"), "normalizers");
        SpacePrefix prefix = SpacePrefix.NONE;
        for (JsonNode n : normalizers) if ("Prepend".equals(n.path("type").asText())) prefix = SpacePrefix.EACH_RUN;
        for (JsonNode p : flatten(root.get("pre_tokenizer"), "pretokenizers")) {
            if (!"Metaspace".equals(p.path("type").asText())) continue;
            String scheme = p.hasNonNull("prepend_scheme") ? p.get("prepend_scheme").asText()
                    : p.path("add_prefix_space").asBoolean(true) ? "always" : "never";
            prefix = switch (scheme) {
                case "first" -> SpacePrefix.FIRST;
                case "never" -> SpacePrefix.NONE;
                default -> SpacePrefix.ALWAYS;
            };
        }
        boolean fuse = root.path("model").path("fuse_unk").asBoolean(false);
        Map<String, String> normalized = new HashMap<>();
        Set<String> lstrip = new HashSet<>(), rstrip = new HashSet<>();
        JsonNode added = root.get("added_tokens");
        if (added != null && added.isArray()) {
            for (JsonNode a : added) {
                if (!a.path("content").isTextual()) continue;
                String content = a.get("content").asText();
                boolean special = a.path("special").asBoolean(false);
                // Hugging Face: an added token is matched after normalization unless it says otherwise
                if (a.path("normalized").asBoolean(!special)) normalized.putIfAbsent(normalize(content, normalizers), content);
                if (a.path("lstrip").asBoolean(false)) lstrip.add(content);
                if (a.path("rstrip").asBoolean(false)) rstrip.add(content);
            }
        }
        return new Options(prefix, fuse, normalized, lstrip, rstrip);
    }

    /** Applies the Prepend and Replace(String) normalizers in order (the ones SentencePiece-style files use). */
    static String normalize(String text, List<JsonNode> normalizers) {
        for (JsonNode n : normalizers) {
            switch (n.path("type").asText()) {
                case "Prepend" -> {
                    if (!text.isEmpty()) text = n.path("prepend").asText("") + text;
                }
                case "Replace" -> {
                    JsonNode pattern = n.path("pattern").get("String");
                    if (pattern != null && pattern.isTextual() && !pattern.asText().isEmpty())
                        text = text.replace(pattern.asText(), n.path("content").asText(""));
                }
                default -> { }
            }
        }
        return text;
    }

    private static List<JsonNode> flatten(JsonNode n, String listField) {
        List<JsonNode> out = new ArrayList<>();
        if (n == null || !n.isObject()) return out;
        if ("Sequence".equals(n.path("type").asText()) && n.path(listField).isArray()) {
            for (JsonNode c : n.get(listField)) out.addAll(flatten(c, listField));
        } else {
            out.add(n);
        }
        return out;
    }
}
