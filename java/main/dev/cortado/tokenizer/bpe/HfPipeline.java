package dev.cortado.tokenizer.bpe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.CortadoException;
import dev.cortado.tokenizer.TokenizerData;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** The pieces of a Hugging Face byte-level BPE tokenizer.json: model, added tokens, normalizer, pre-tokenizer, post-processor. */
record HfPipeline(BpeModel model, SpecialSplitter specials, SpecialSplitter normalizedSpecials,
                  UnaryOperator<Normalized> normalizer, PreSplit preSplit, Map<String, Integer> specialTokens,
                  int[] prefixIds, int[] suffixIds) {

    static HfPipeline read(Path file, TokenizerData data) {
        JsonNode root = readJson(file);
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) throw CortadoException.inFile(file, "no \"model\" object");
        String type = model.path("type").asText("BPE");
        if (!"BPE".equals(type)) throw CortadoException.inFile(file, "model type '" + type + "' is not BPE");
        if (model.path("byte_fallback").asBoolean(false))
            throw CortadoException.inFile(file, "a BPE model with byte_fallback is SentencePiece-style, not byte-level");
        for (String f : new String[] {"continuing_subword_prefix", "end_of_word_suffix"})
            if (!model.path(f).asText("").isEmpty())
                throw CortadoException.inFile(file, "model." + f + " is not supported for byte-level BPE");

        JsonNode v = model.get("vocab");
        if (v == null || !v.isObject()) throw CortadoException.inFile(file, "model.vocab is not an object");
        Object2IntOpenHashMap<String> vocab = new Object2IntOpenHashMap<>(v.size());
        vocab.defaultReturnValue(-1);
        for (var it = v.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isIntegralNumber() || e.getValue().asLong() < 0 || e.getValue().asLong() >= data.vocabSize())
                throw CortadoException.inFile(file, "model.vocab[\"" + e.getKey() + "\"] is not an id in 0.." + (data.vocabSize() - 1));
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        List<String[]> merges = new ArrayList<>();
        JsonNode m = model.get("merges");
        if (m != null && !m.isNull()) {
            if (!m.isArray()) throw CortadoException.inFile(file, "model.merges is not a list");
            for (JsonNode e : m) {
                if (e.isTextual()) {
                    String s = e.asText();
                    int sp = s.indexOf(' ', 1);
                    if (sp < 0) throw CortadoException.inFile(file, "merge \"" + Patterns.oneLine(s) + "\" is not two tokens");
                    merges.add(new String[] {s.substring(0, sp), s.substring(sp + 1)});
                } else if (e.isArray() && e.size() == 2 && e.get(0).isTextual() && e.get(1).isTextual()) {
                    merges.add(new String[] {e.get(0).asText(), e.get(1).asText()});
                } else {
                    throw CortadoException.inFile(file, "merge " + Patterns.oneLine(e.toString()) + " is neither \"a b\" nor [a, b]");
                }
            }
        }
        BpeModel bpe = new BpeModel(vocab, merges, model.path("ignore_merges").asBoolean(false));

        List<HfAddedTokens.Added> raw = new ArrayList<>(), normalized = new ArrayList<>();
        Map<String, Integer> specialTokens = new LinkedHashMap<>();
        Map<String, Integer> addedIds = new LinkedHashMap<>();
        JsonNode added = root.get("added_tokens");
        if (added != null && added.isArray()) {
            for (JsonNode a : added) {
                String content = a.path("content").asText(null);
                int id = a.path("id").asInt(-1);
                if (content == null || id < 0 || id >= data.vocabSize())
                    throw CortadoException.inFile(file, "added token " + Patterns.oneLine(a.toString()) + " has no content or a bad id");
                boolean special = a.path("special").asBoolean(false);
                // Hugging Face: special tokens are never normalized; others by default are.
                boolean norm = a.path("normalized").asBoolean(!special);
                var t = new HfAddedTokens.Added(id, content, special, a.path("lstrip").asBoolean(false),
                        a.path("rstrip").asBoolean(false), a.path("single_word").asBoolean(false));
                (norm ? normalized : raw).add(t);
                if (special) specialTokens.putIfAbsent(content, id);
                addedIds.putIfAbsent(content, id);
            }
        }
        UnaryOperator<Normalized> normalizer = Normalizers.of(root.get("normalizer"), file);
        PreSplit pre = PreSplit.fromJson(root.get("pre_tokenizer"), file);
        int[][] post = postProcessor(root.get("post_processor"), file, addedIds, vocab, data);
        return new HfPipeline(bpe, new HfAddedTokens(raw), normalized.isEmpty() ? null : new HfAddedTokens(normalized),
                normalizer, pre, specialTokens, post[0], post[1]);
    }

    /** {prefix ids, suffix ids} that the post-processor puts around a single sequence. */
    private static int[][] postProcessor(JsonNode pp, Path file, Map<String, Integer> added,
                                         Object2IntOpenHashMap<String> vocab, TokenizerData data) {
        IntArrayList prefix = new IntArrayList(), suffix = new IntArrayList();
        boolean any = collect(pp, file, added, vocab, prefix, suffix);
        if (!any) {
            // No template: tokenizer_config.json's add_bos_token / add_eos_token decide.
            if (Boolean.TRUE.equals(data.addBos()) && data.bosId() != null) prefix.add((int) data.bosId());
            if (Boolean.TRUE.equals(data.addEos()) && data.eosId() != null) suffix.add((int) data.eosId());
        }
        return new int[][] {prefix.toIntArray(), suffix.toIntArray()};
    }

    /** Adds what {@code pp} contributes; whether it is a processor that decides special tokens. */
    private static boolean collect(JsonNode pp, Path file, Map<String, Integer> added, Object2IntOpenHashMap<String> vocab,
                                   IntArrayList prefix, IntArrayList suffix) {
        if (pp == null || pp.isNull()) return false;
        String type = pp.path("type").asText("");
        switch (type) {
            case "Sequence": {
                boolean any = false;
                for (JsonNode c : pp.path("processors")) any |= collect(c, file, added, vocab, prefix, suffix);
                return any;
            }
            case "ByteLevel":
                return false;
            case "RobertaProcessing":
            case "BertProcessing":
                prefix.add(pairId(pp.get("cls"), file, type));
                suffix.add(pairId(pp.get("sep"), file, type));
                return true;
            case "TemplateProcessing": {
                JsonNode single = pp.get("single");
                if (single == null || !single.isArray()) throw CortadoException.inFile(file, "TemplateProcessing has no \"single\" list");
                boolean afterSequence = false;
                for (JsonNode item : single) {
                    if (item.has("Sequence")) {
                        afterSequence = true;
                        continue;
                    }
                    String name = item.path("SpecialToken").path("id").asText(null);
                    if (name == null) throw CortadoException.inFile(file, "TemplateProcessing item " + Patterns.oneLine(item.toString()) + " is not understood");
                    JsonNode st = pp.path("special_tokens").get(name);
                    List<Integer> ids = new ArrayList<>();
                    if (st != null && st.get("ids") != null && st.get("ids").isArray()) {
                        for (JsonNode i : st.get("ids")) ids.add(i.asInt());
                    } else {
                        Integer id = added.containsKey(name) ? added.get(name) : (vocab.containsKey(name) ? vocab.getInt(name) : null);
                        if (id == null) throw CortadoException.inFile(file, "TemplateProcessing names unknown token \"" + name + "\"");
                        ids.add(id);
                    }
                    for (int id : ids) (afterSequence ? suffix : prefix).add(id);
                }
                return true;
            }
            default:
                throw CortadoException.inFile(file, "post_processor type '" + type + "' is not supported");
        }
    }

    private static int pairId(JsonNode pair, Path file, String type) {
        if (pair == null || !pair.isArray() || pair.size() != 2 || !pair.get(1).isIntegralNumber())
            throw CortadoException.inFile(file, type + " needs [token, id] for cls and sep");
        return pair.get(1).asInt();
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static JsonNode readJson(Path file) {
        try {
            JsonNode n = MAPPER.readTree(file.toFile());
            if (n == null || n.isMissingNode() || !n.isObject()) throw CortadoException.inFile(file, "not a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            throw CortadoException.inFile(file, "malformed JSON: " + Patterns.oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            if (!Files.exists(file)) throw CortadoException.inFile(file, "no such file");
            throw CortadoException.inFile(file, "cannot read: " + Patterns.oneLine(e.getMessage()));
        }
    }
}
