package dev.cortado.tokenizer;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.CortadoException;
import dev.cortado.io.AtomicFile;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes {@link TokenizerData} as a Hugging Face tokenizer directory: tokenizer.json (a BPE model with
 * the pipeline Hugging Face itself uses for that kind of vocabulary) and tokenizer_config.json.
 * "gpt2" vocabularies become byte-level BPE (with the Split regex of a known {@code pre}); "llama"
 * vocabularies become SentencePiece-style BPE with byte fallback, laid out like Llama 2's and
 * TinyStories' files, with merges rebuilt from the scores when the data has none.
 */
final class HfTokenizerWriter {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String SPACE = "\u2581";

    private final TokenizerData t;
    private final boolean llama;

    private HfTokenizerWriter(TokenizerData t) {
        this.t = t;
        this.llama = "llama".equals(t.model());
        if (!llama && !"gpt2".equals(t.model()))
            throw new CortadoException("cannot write a Hugging Face tokenizer for tokenizer model '" + t.model()
                    + "' (only 'llama' and 'gpt2')");
    }

    static void write(TokenizerData t, Path dir) {
        HfTokenizerWriter w = new HfTokenizerWriter(t);
        ObjectNode json = w.tokenizerJson(), config = w.tokenizerConfig();
        writeJson(dir.resolve("tokenizer.json"), json);
        writeJson(dir.resolve("tokenizer_config.json"), config);
    }

    private ObjectNode tokenizerJson() {
        ObjectNode root = F.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < t.vocabSize(); id++) if (isAdded(id)) added.add(addedToken(id, true));
        if (llama) {
            ObjectNode norm = root.putObject("normalizer");
            norm.put("type", "Sequence");
            ArrayNode ns = norm.putArray("normalizers");
            ns.addObject().put("type", "Prepend").put("prepend", SPACE);
            ObjectNode replace = ns.addObject().put("type", "Replace");
            replace.putObject("pattern").put("String", " ");
            replace.put("content", SPACE);
            root.putNull("pre_tokenizer");
            root.set("post_processor", templateProcessing());
            ObjectNode dec = root.putObject("decoder").put("type", "Sequence");
            ArrayNode ds = dec.putArray("decoders");
            ObjectNode r = ds.addObject().put("type", "Replace");
            r.putObject("pattern").put("String", SPACE);
            r.put("content", " ");
            ds.addObject().put("type", "ByteFallback");
            ds.addObject().put("type", "Fuse");
            ds.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        } else {
            if ("qwen2".equals(t.pre())) root.putObject("normalizer").put("type", "NFC");
            else root.putNull("normalizer");
            root.set("pre_tokenizer", byteLevelPreTokenizer());
            ObjectNode byteLevelPost = byteLevel(true, false, true);
            if (Boolean.TRUE.equals(t.addBos()) || Boolean.TRUE.equals(t.addEos())) {
                ObjectNode seq = F.objectNode().put("type", "Sequence");
                seq.putArray("processors").add(byteLevelPost).add(templateProcessing());
                root.set("post_processor", seq);
            } else {
                root.set("post_processor", byteLevelPost);
            }
            root.set("decoder", byteLevel(true, true, true));
        }
        root.set("model", model());
        return root;
    }

    private ObjectNode byteLevelPreTokenizer() {
        String regex = "gpt-2".equals(t.pre()) ? null : PreTokenizers.regex(t.pre());
        if (regex == null) return byteLevel(false, true, true);  // GPT-2's own regex, inside ByteLevel
        ObjectNode seq = F.objectNode().put("type", "Sequence");
        ArrayNode list = seq.putArray("pretokenizers");
        ObjectNode split = list.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", regex);
        split.put("behavior", "Isolated").put("invert", false);
        list.add(byteLevel(false, "llama-bpe".equals(t.pre()), false));
        return seq;
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) {
        return F.objectNode().put("type", "ByteLevel").put("add_prefix_space", addPrefixSpace)
                .put("trim_offsets", trimOffsets).put("use_regex", useRegex);
    }

    /** BOS / EOS around each sequence as addBos / addEos say; a "llama" file always carries one (maybe bare). */
    private ObjectNode templateProcessing() {
        String bos = Boolean.TRUE.equals(t.addBos()) && t.bosId() != null ? t.tokens().get(t.bosId()) : null;
        String eos = Boolean.TRUE.equals(t.addEos()) && t.eosId() != null ? t.tokens().get(t.eosId()) : null;
        ObjectNode tp = F.objectNode().put("type", "TemplateProcessing");
        ArrayNode single = tp.putArray("single"), pair = tp.putArray("pair");
        for (int seq = 0; seq < 2; seq++) {
            for (ArrayNode target : seq == 0 ? List.of(single, pair) : List.of(pair)) {
                if (bos != null) target.addObject().putObject("SpecialToken").put("id", bos).put("type_id", seq);
                target.addObject().putObject("Sequence").put("id", seq == 0 ? "A" : "B").put("type_id", seq);
                if (eos != null) target.addObject().putObject("SpecialToken").put("id", eos).put("type_id", seq);
            }
        }
        ObjectNode specials = tp.putObject("special_tokens");
        for (String s : bos != null && bos.equals(eos) ? List.of(bos) : java.util.Arrays.asList(bos, eos)) {
            if (s == null) continue;
            int id = s.equals(bos) ? t.bosId() : t.eosId();
            ObjectNode o = specials.putObject(s).put("id", s);
            o.putArray("ids").add(id);
            o.putArray("tokens").add(s);
        }
        return tp;
    }

    private ObjectNode model() {
        ObjectNode m = F.objectNode().put("type", "BPE");
        m.putNull("dropout");
        if (llama && t.unkId() != null) m.put("unk_token", t.tokens().get(t.unkId()));
        else m.putNull("unk_token");
        m.putNull("continuing_subword_prefix");
        m.putNull("end_of_word_suffix");
        m.put("fuse_unk", llama).put("byte_fallback", llama).put("ignore_merges", "llama-bpe".equals(t.pre()) || "dbrx".equals(t.pre()) || "gpt-4o".equals(t.pre()));
        ObjectNode vocab = m.putObject("vocab");
        Set<String> seen = new HashSet<>();
        for (int id = 0; id < t.vocabSize(); id++) {
            String tok = t.tokens().get(id);
            if (isPadding(id) || (!llama && isAdded(id)) || !seen.add(tok)) continue;
            vocab.put(tok, id);
        }
        List<String> merges = t.merges() != null ? t.merges()
                : llama ? SpmScores.toMerges(t.tokens(), t.tokenTypes(), t.scores()) : List.of();
        boolean spaces = false;
        for (String mg : merges) {
            String[] p = SpmScores.splitMerge(mg);
            if (p != null && (p[0].contains(" ") || p[1].contains(" "))) spaces = true;
        }
        ArrayNode out = m.putArray("merges");
        for (String mg : merges) {
            String[] p = SpmScores.splitMerge(mg);
            if (p == null) throw new CortadoException("merge \"" + mg + "\" is not two tokens separated by a space");
            if (spaces) out.addArray().add(p[0]).add(p[1]);  // the [a, b] form, which allows spaces inside a part
            else out.add(mg);
        }
        return m;
    }

    private ObjectNode tokenizerConfig() {
        ObjectNode c = F.objectNode();
        if (t.addBos() != null) c.put("add_bos_token", t.addBos());
        if (t.addEos() != null) c.put("add_eos_token", t.addEos());
        ObjectNode dec = c.putObject("added_tokens_decoder");
        for (int id = 0; id < t.vocabSize(); id++) {
            if (isAdded(id)) dec.set(Integer.toString(id), addedToken(id, false));
        }
        putToken(c, "bos_token", t.bosId());
        putToken(c, "eos_token", t.eosId());
        putToken(c, "unk_token", t.unkId());
        putToken(c, "pad_token", t.padId());
        putToken(c, "eot_token", t.eotId());
        if (t.chatTemplate() != null) c.put("chat_template", t.chatTemplate());
        c.put("clean_up_tokenization_spaces", false);
        if (llama) c.put("legacy", false);
        // The generic fast class loads tokenizer.json as written; model-specific classes may rebuild the pipeline.
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        return c;
    }

    private void putToken(ObjectNode c, String key, Integer id) {
        if (id != null && id >= 0 && id < t.vocabSize()) c.put(key, t.tokens().get(id));
    }

    private ObjectNode addedToken(int id, boolean withId) {
        ObjectNode a = F.objectNode();
        if (withId) a.put("id", id);
        a.put("content", t.tokens().get(id));
        a.put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false);
        int type = t.tokenType(id);
        a.put("special", type == TokenizerData.CONTROL || type == TokenizerData.UNKNOWN);
        return a;
    }

    /** Control, unknown and user-defined tokens are matched whole, before the model: Hugging Face's added tokens. */
    private boolean isAdded(int id) {
        int type = t.tokenType(id);
        return type == TokenizerData.CONTROL || type == TokenizerData.USER_DEFINED || (llama && type == TokenizerData.UNKNOWN);
    }

    /** The "[PADn]" fillers llama.cpp adds for unused ids; left out so that reading the file back restores them. */
    private boolean isPadding(int id) {
        return t.tokenType(id) == TokenizerData.UNUSED && t.tokens().get(id).startsWith("[PAD");
    }

    private static void writeJson(Path file, JsonNode node) {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"))
                .withObjectIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n"));
        AtomicFile.writeStream(file, out -> {
            // AtomicFile closes the file itself, after flushing and fsync.
            Json.MAPPER.writer(pp).without(JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValue(out, node);
            out.write('\n');
        });
    }
}
