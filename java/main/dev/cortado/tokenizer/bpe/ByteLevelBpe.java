package dev.cortado.tokenizer.bpe;

import dev.cortado.tokenizer.ByteLevel;

import dev.cortado.CortadoException;
import dev.cortado.io.gguf.GgufFile;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.TokenizerData;
import dev.cortado.tokenizer.TokenizerFiles;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Byte-level BPE (GPT-2, Llama 3, Qwen 2/3, Falcon, StarCoder, DeepSeek…): from a Hugging Face
 * tokenizer.json pipeline ({@link #fromHuggingFace}) or from GGUF metadata with
 * {@code tokenizer.ggml.model = "gpt2"} ({@link #fromGguf}), where the pre-tokenizer is the one llama.cpp
 * picks for {@code tokenizer.ggml.pre}.
 *
 * <p>Text goes: special/added tokens split out → normalizer → pre-tokenizer → BPE over UTF-8 bytes.
 * {@link #encodeOrdinary} leaves special (control) tokens as text but still matches user-defined
 * (non-special) added tokens, as Hugging Face and llama.cpp always do. Offsets are char offsets into the
 * text as given (untrimmed: a token "Ġthe" covers its space). Lone surrogates are encoded as U+FFFD.
 */
public final class ByteLevelBpe implements Tokenizer {
    private final String[] pieces;
    private final byte[][] tokenBytes;
    private final BpeModel model;
    private final SpecialSplitter specials;        // on the raw text
    private final SpecialSplitter normalizedSpecials; // on normalized text (Hugging Face normalized=true tokens)
    private final UnaryOperator<Normalized> normalizer;
    private final PreSplit preSplit;
    private final Map<String, Integer> specialTokens;
    private final Integer bos, eos;
    private final int[] prefixIds, suffixIds;

    private ByteLevelBpe(String[] pieces, byte[][] tokenBytes, BpeModel model, SpecialSplitter specials,
                         SpecialSplitter normalizedSpecials, UnaryOperator<Normalized> normalizer, PreSplit preSplit,
                         Map<String, Integer> specialTokens, Integer bos, Integer eos, int[] prefixIds, int[] suffixIds) {
        this.pieces = pieces;
        this.tokenBytes = tokenBytes;
        this.model = model;
        this.specials = specials;
        this.normalizedSpecials = normalizedSpecials;
        this.normalizer = normalizer;
        this.preSplit = preSplit;
        this.specialTokens = Collections.unmodifiableMap(specialTokens);
        this.bos = bos;
        this.eos = eos;
        this.prefixIds = prefixIds;
        this.suffixIds = suffixIds;
    }

    /**
     * A Hugging Face byte-level BPE tokenizer.json; tokenizer_config.json, special_tokens_map.json and
     * config.json beside it are read when present (special token ids, add_bos/eos, padded vocab size).
     */
    public static ByteLevelBpe fromHuggingFace(Path tokenizerJson) {
        Path dir = tokenizerJson.toAbsolutePath().getParent();
        Path config = dir.resolve("tokenizer_config.json");
        TokenizerData data = TokenizerFiles.fromHuggingFace(tokenizerJson,
                java.nio.file.Files.isRegularFile(config) ? config : null);
        HfPipeline p = HfPipeline.read(tokenizerJson, data);
        return new ByteLevelBpe(data.tokens().toArray(new String[0]), hfBytes(data), p.model(), p.specials(),
                p.normalizedSpecials(), p.normalizer(), p.preSplit(), p.specialTokens(), data.bosId(), data.eosId(),
                p.prefixIds(), p.suffixIds());
    }

    /** The byte-level BPE of a GGUF file's {@code tokenizer.ggml.*} metadata; errors name the file. */
    public static ByteLevelBpe fromGguf(Path ggufFile) {
        try (GgufFile f = GgufFile.open(ggufFile)) {
            return fromGguf(f.metadata());
        } catch (CortadoException e) {
            if (e.getMessage() != null && e.getMessage().contains(ggufFile.toString())) throw e;
            throw CortadoException.inFile(ggufFile, e.getMessage());
        }
    }

    /** The byte-level BPE of GGUF metadata with {@code tokenizer.ggml.model = "gpt2"}. */
    public static ByteLevelBpe fromGguf(GgufMetadata md) {
        TokenizerData data = TokenizerFiles.fromGguf(md);
        if (data == null) throw new CortadoException("GGUF tokenizer metadata: no tokenizer.ggml.model");
        return fromData(data, md.getString("general.name"));
    }

    /**
     * The byte-level BPE of {@code data} (model "gpt2") as llama.cpp builds it: the pre-tokenizer of
     * {@code data.pre()}, control / user-defined / unknown tokens matched in the text, BOS/EOS per the
     * add flags. {@code modelName} (general.name, may be null) selects llama.cpp's per-model token attributes.
     */
    public static ByteLevelBpe fromData(TokenizerData data, String modelName) {
        if (!"gpt2".equals(data.model()))
            throw new CortadoException("GGUF tokenizer metadata: tokenizer.ggml.model '" + data.model()
                    + "' is not byte-level BPE (gpt2)");
        LlamaCppPre pre = LlamaCppPre.of(data.pre());
        if (pre == null) throw new CortadoException("GGUF tokenizer metadata: tokenizer.ggml.pre '" + data.pre()
                + "' is not a byte-level pre-tokenizer Cortado knows");
        if (data.merges() == null) throw new CortadoException("GGUF tokenizer metadata: a gpt2 vocabulary without tokenizer.ggml.merges");
        int n = data.vocabSize();
        String[] pieces = new String[n];
        Object2IntOpenHashMap<String> vocab = new Object2IntOpenHashMap<>(n);
        vocab.defaultReturnValue(-1);
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
            String t = data.tokens().get(i);
            if (t.isEmpty()) t = "[EMPTY_" + i + "]";  // as llama.cpp renames them
            pieces[i] = t;
            if (!vocab.containsKey(t)) vocab.put(t, i);
            types[i] = data.tokenType(i);
        }
        // llama.cpp promotes an end-of-turn-looking token to control when no EOT id is given.
        if (data.eotId() == null) {
            for (String eot : EOT_TEXTS) {
                int id = vocab.getInt(eot);
                if (id >= 0 && types[id] != TokenizerData.CONTROL) types[id] = TokenizerData.CONTROL;
            }
        }
        List<String[]> merges = new ArrayList<>(data.merges().size());
        for (String m : data.merges()) {
            int sp = m.indexOf(' ', 1);
            merges.add(sp < 0 ? new String[] {"", ""} : new String[] {m.substring(0, sp), m.substring(sp + 1)});
        }
        BpeModel model = new BpeModel(vocab, merges, pre.ignoreMerges());

        byte[][] bytes = new byte[n][];
        Map<String, Integer> specialMap = new LinkedHashMap<>();
        List<Integer> specialIds = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int type = types[i];
            boolean raw = type == TokenizerData.CONTROL || type == TokenizerData.USER_DEFINED || type == TokenizerData.UNKNOWN;
            byte[] b = raw ? null : ByteLevel.decode(pieces[i]);
            bytes[i] = b != null ? b : pieces[i].getBytes(StandardCharsets.UTF_8);
            if (raw && !data.tokens().get(i).isEmpty()) specialIds.add(i);
            if (type == TokenizerData.CONTROL) specialMap.putIfAbsent(pieces[i], i);
        }
        // llama.cpp sorts by UTF-8 length, longest first; equal lengths keep id order here.
        specialIds.sort(Comparator.comparingInt((Integer id) -> -pieces[id].getBytes(StandardCharsets.UTF_8).length)
                .thenComparingInt(id -> id));
        String name = modelName == null ? "" : modelName.toLowerCase(java.util.Locale.ROOT);
        String preName = data.pre() == null ? "" : data.pre();
        boolean phi3 = name.contains("phi-3") || name.contains("phi3");
        List<LlamaCppSpecials.Special> sps = new ArrayList<>();
        for (int id : specialIds) {
            String t = pieces[id];
            boolean lstrip = ("<mask>".equals(t) && preName.matches(".*jina-v2-(de|es|code).*"))
                    || ("[MASK]".equals(t) && name.contains("modern-bert"));
            boolean rstrip = phi3 && !(t.equals("<unk>") || t.equals("<s>") || t.equals("<|endoftext|>"));
            sps.add(new LlamaCppSpecials.Special(id, t, types[id] != TokenizerData.USER_DEFINED, lstrip, rstrip));
        }
        boolean addBos = data.addBos() != null ? data.addBos() : pre.addBos();
        boolean addEos = data.addEos() != null && data.addEos();
        int[] prefix = addBos && data.bosId() != null ? new int[] {data.bosId()} : new int[0];
        int[] suffix = addEos && data.eosId() != null ? new int[] {data.eosId()} : new int[0];
        return new ByteLevelBpe(pieces, bytes, model, new LlamaCppSpecials(sps), null, x -> x, pre.splitter(),
                specialMap, data.bosId(), data.eosId(), prefix, suffix);
    }

    private static final List<String> EOT_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>",
            "<end_of_utterance>");

    /** Hugging Face's ByteLevel decoder: a token's chars through the byte table, or its UTF-8 when one is not in it. */
    private static byte[][] hfBytes(TokenizerData data) {
        byte[][] out = new byte[data.vocabSize()][];
        for (int i = 0; i < out.length; i++) {
            String t = data.tokens().get(i);
            byte[] b = ByteLevel.decode(t);
            out[i] = b != null ? b : t.getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    // ---------------------------------------------------------------- encoding

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int[] encode(String text) {
        return run(text, s -> true, false).ids();
    }

    @Override
    public int[] encodeOrdinary(String text) {
        return run(text, s -> false, false).ids();
    }

    @Override
    public int[] encode(String text, Set<String> allowedSpecial) {
        return run(text, allowedSpecial::contains, false).ids();
    }

    @Override
    public Encoding encodeWithOffsets(String text) {
        return run(text, s -> true, true);
    }

    @Override
    public int[] encodeForModel(String text) {
        int[] ids = encode(text);
        if (prefixIds.length == 0 && suffixIds.length == 0) return ids;
        int[] out = new int[prefixIds.length + ids.length + suffixIds.length];
        System.arraycopy(prefixIds, 0, out, 0, prefixIds.length);
        System.arraycopy(ids, 0, out, prefixIds.length, ids.length);
        System.arraycopy(suffixIds, 0, out, prefixIds.length + ids.length, suffixIds.length);
        return out;
    }

    private Encoding run(String text, Predicate<String> allowSpecial, boolean offsets) {
        String t = wellFormed(text);
        IntArrayList ids = new IntArrayList(t.length() / 3 + 4);
        IntArrayList starts = offsets ? new IntArrayList() : null, ends = offsets ? new IntArrayList() : null;
        for (SpecialSplitter.Segment seg : specials.split(t, 0, t.length(), allowSpecial)) {
            if (seg.id() >= 0) {
                add(ids, starts, ends, seg.id(), seg.start(), seg.end());
                continue;
            }
            Normalized norm = normalizer.apply(Normalized.of(t.substring(seg.start(), seg.end()), seg.start()));
            List<SpecialSplitter.Segment> inner = normalizedSpecials == null
                    ? List.of(new SpecialSplitter.Segment(0, norm.text.length(), -1))
                    : normalizedSpecials.split(norm.text, 0, norm.text.length(), allowSpecial);
            for (SpecialSplitter.Segment in : inner) {
                if (in.id() >= 0) {
                    add(ids, starts, ends, in.id(), norm.startOf(in.start()), norm.endOf(in.end() - 1));
                    continue;
                }
                if (in.end() <= in.start()) continue;
                List<Piece> ps = preSplit.split(List.of(new Piece(norm.text.substring(in.start(), in.end()), in.start(), 0)));
                for (Piece p : ps) encodePiece(p, norm, ids, starts, ends);
            }
        }
        return new Encoding(ids.toIntArray(), offsets ? starts.toIntArray() : null, offsets ? ends.toIntArray() : null);
    }

    private void encodePiece(Piece p, Normalized norm, IntArrayList ids, IntArrayList starts, IntArrayList ends) {
        byte[] utf8 = p.text().getBytes(StandardCharsets.UTF_8);
        BpeModel.Word w = model.encode(p.text(), utf8);
        if (starts == null) {
            ids.addElements(ids.size(), w.ids());
            return;
        }
        // byte index → index of the char (code point start) it belongs to, and that code point's end
        int[] charAt = new int[utf8.length + 1], charEnd = new int[utf8.length + 1];
        String s = p.text();
        int b = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i), cc = Character.charCount(cp);
            int nb = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            for (int k = 0; k < nb && b < utf8.length; k++, b++) {
                charAt[b] = i;
                charEnd[b] = i + cc;
            }
            i += cc;
        }
        int pos = 0;
        for (int k = 0; k < w.ids().length; k++) {
            int b0 = pos, b1 = Math.min(utf8.length, pos + w.byteLens()[k]);
            pos = b1;
            int c0 = charAt[Math.min(b0, utf8.length - 1)], c1 = charEnd[Math.max(b1 - 1, 0)];
            int n0 = p.normStart(c0), n1 = p.normEnd(c1 - 1);
            int start = norm.startOf(n0), end = n1 > n0 ? norm.endOf(n1 - 1) : start;
            add(ids, starts, ends, w.ids()[k], start, Math.max(start, end));
        }
    }

    private static void add(IntArrayList ids, IntArrayList starts, IntArrayList ends, int id, int start, int end) {
        ids.add(id);
        if (starts != null) {
            starts.add(start);
            ends.add(end);
        }
    }

    /** {@code text} with lone surrogates as U+FFFD (same length, so offsets still hold). */
    static String wellFormed(String text) {
        char[] cs = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                if (cs == null) cs = text.toCharArray();
                cs[i] = '\uFFFD';
            }
        }
        return cs == null ? text : new String(cs);
    }

    // ---------------------------------------------------------------- decoding

    @Override
    public String decode(int[] ids) {
        int n = 0;
        for (int id : ids) n += tokenBytes[checkId(id)].length;
        byte[] all = new byte[n];
        int p = 0;
        for (int id : ids) {
            byte[] b = tokenBytes[checkId(id)];
            System.arraycopy(b, 0, all, p, b.length);
            p += b.length;
        }
        return new String(all, StandardCharsets.UTF_8);
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return new Utf8Stream(this::bytes);
    }

    @Override
    public String piece(int id) {
        return pieces[checkId(id)];
    }

    @Override
    public byte[] bytes(int id) {
        return tokenBytes[checkId(id)].clone();
    }

    private int checkId(int id) {
        if (id < 0 || id >= pieces.length)
            throw new CortadoException("token id " + id + " is outside the vocabulary of " + pieces.length);
        return id;
    }

    @Override
    public Map<String, Integer> specialTokens() {
        return specialTokens;
    }

    @Override
    public Integer bosId() {
        return bos;
    }

    @Override
    public Integer eosId() {
        return eos;
    }

    @Override
    public boolean addsBos() {
        return bos != null && prefixIds.length > 0 && prefixIds[0] == bos;
    }

    /** The ids {@link #encodeForModel} puts before and after the text's tokens. */
    public int[] prefixIds() {
        return prefixIds.clone();
    }

    public int[] suffixIds() {
        return suffixIds.clone();
    }
}
