package dev.cortado.tokenizer.wpm;

import dev.cortado.CortadoException;
import dev.cortado.tokenizer.AllowedSpecialsTokenizer;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.TokenizerData;
import dev.cortado.tokenizer.Utf8Accumulator;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * BERT's WordPiece over a GGUF "bert" vocabulary, as llama.cpp's {@code llm_tokenizer_wpm} does it:
 * the text is split into lower-cased, accent-folded words ({@link BertNormalizer}); each word gets a
 * "▁" in front (GGUF stores BERT's word-initial pieces as "▁the" and its "##" continuations bare)
 * and is cut greedily into the longest pieces of the vocabulary; a word that cannot be cut completely
 * becomes the unknown token. {@link #encodeForModel} wraps the ids in [CLS] … [SEP].
 */
public final class WordPiece implements AllowedSpecialsTokenizer {
    private static final char SPACE = '\u2581';

    private final TokenizerData data;
    private final Object2IntOpenHashMap<String> ids;
    private final int maxTokenChars;
    private final Integer cls, sep;
    private final Map<String, Integer> specials;
    private final Map<Character, List<String>> specialsByFirstChar = new HashMap<>();

    private WordPiece(TokenizerData data, Integer cls, Integer sep) {
        this.data = data;
        int n = data.vocabSize();
        ids = new Object2IntOpenHashMap<>(n * 2);
        ids.defaultReturnValue(-1);
        int longest = 1;
        LinkedHashMap<String, Integer> sp = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String t = data.tokens().get(i);
            ids.putIfAbsent(t, i);
            longest = Math.max(longest, t.length());
            int type = data.tokenType(i);
            if ((type == TokenizerData.CONTROL || type == TokenizerData.USER_DEFINED) && !t.isEmpty()) sp.putIfAbsent(t, i);
        }
        maxTokenChars = longest;
        specials = Collections.unmodifiableMap(sp);
        for (String s : sp.keySet()) specialsByFirstChar.computeIfAbsent(s.charAt(0), c -> new ArrayList<>()).add(s);
        for (List<String> l : specialsByFirstChar.values()) l.sort((a, b) -> b.length() - a.length());
        this.cls = cls;
        this.sep = sep;
    }

    /** A tokenizer over a "bert" vocabulary; [CLS] is its BOS id (else the token "[CLS]"), [SEP] the token "[SEP]". */
    public static WordPiece fromData(TokenizerData data) {
        return fromData(data, null, null);
    }

    /** As {@link #fromData(TokenizerData)} with the ids GGUF's {@code tokenizer.ggml.cls/seperator_token_id} give (null: look up). */
    public static WordPiece fromData(TokenizerData data, Integer clsId, Integer sepId) {
        if (!"bert".equals(data.model()))
            throw new CortadoException("tokenizer model '" + data.model() + "' is not WordPiece (\"bert\")");
        Map<String, Integer> byText = data.tokenIds();
        Integer cls = clsId != null ? clsId : data.bosId() != null ? data.bosId() : byText.get("[CLS]");
        Integer sep = sepId != null ? sepId : data.eosId() != null ? data.eosId() : byText.get("[SEP]");
        return new WordPiece(data, cls, sep);
    }

    public TokenizerData data() {
        return data;
    }

    @Override
    public int vocabSize() {
        return data.vocabSize();
    }

    /** [CLS] ids [SEP], as BERT models expect. */
    @Override
    public int[] encodeForModel(String text) {
        IntArrayList out = new IntArrayList();
        if (cls != null) out.add((int) cls);
        out.addElements(out.size(), encode(text));
        if (sep != null) out.add((int) sep);
        return out.toIntArray();
    }

    /** Ids with offsets, recognising only the special tokens in {@code allowed}. */
    @Override
    public Encoding encodeWithOffsets(String text, Set<String> allowed) {
        IntArrayList out = new IntArrayList(), starts = new IntArrayList(), ends = new IntArrayList();
        int runStart = 0;
        for (int i = 0; i <= text.length(); ) {
            String special = i < text.length() && !allowed.isEmpty() ? specialAt(text, i, allowed) : null;
            if (special == null && i < text.length()) {
                i++;
                continue;
            }
            if (i > runStart) encodeRun(text.substring(runStart, i), runStart, out, starts, ends);
            if (special == null) break;
            out.add((int) specials.get(special));
            starts.add(i);
            ends.add(i + special.length());
            i += special.length();
            runStart = i;
        }
        return new Encoding(out.toIntArray(), starts.toIntArray(), ends.toIntArray());
    }

    private String specialAt(String text, int i, Set<String> allowed) {
        List<String> candidates = specialsByFirstChar.get(text.charAt(i));
        if (candidates == null) return null;
        for (String s : candidates) if (text.startsWith(s, i) && allowed.contains(s)) return s;
        return null;
    }

    private void encodeRun(String run, int base, IntArrayList out, IntArrayList starts, IntArrayList ends) {
        for (BertNormalizer.Word w : BertNormalizer.words(run)) {
            String word = SPACE + w.text();
            int n = word.length();
            int mark = out.size();
            for (int i = 0; i < n; ) {
                int found = -1, end = -1;
                for (int j = Math.min(n, i + maxTokenChars); j > i; j--) {
                    int id = ids.getInt(word.substring(i, j));
                    if (id >= 0) {
                        found = id;
                        end = j;
                        break;
                    }
                }
                if (found < 0) {  // a part of the word has no piece: the whole word is unknown
                    out.size(mark);
                    starts.size(mark);
                    ends.size(mark);
                    break;
                }
                out.add(found);
                // char k >= 1 of "▁word" is char k-1 of the word
                starts.add(base + w.sourceStarts()[Math.max(i, 1) - 1]);
                ends.add(base + w.sourceEnds()[Math.max(end - 1, 1) - 1]);
                i = end;
            }
            if (out.size() == mark) {
                out.add(unknownId());
                starts.add(base + w.sourceStarts()[0]);
                ends.add(base + w.sourceEnds()[w.text().length() - 1]);
            }
        }
    }

    private int unknownId() {
        Integer unk = data.unkId();
        if (unk == null) unk = data.tokenIds().get("[UNK]");
        if (unk == null) throw new CortadoException("text has a word that is not in the vocabulary, which has no unknown token");
        return unk;
    }

    // ---- decoding ----------------------------------------------------------------------------

    /** Pieces joined, "▁" as a space, control tokens dropped, the first word's space removed. */
    @Override
    public String decode(int[] tokens) {
        StreamingDecoder d = streamingDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : tokens) sb.append(d.feed(id));
        return sb.append(d.finish()).toString();
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder() {
            private final Utf8Accumulator utf8 = new Utf8Accumulator();
            private boolean first = true;

            @Override
            public String feed(int id) {
                byte[] b = bytes(id);
                if (b.length == 0) return "";
                if (first && b[0] == ' ') b = java.util.Arrays.copyOfRange(b, 1, b.length);
                first = false;
                return utf8.add(b);
            }

            @Override
            public String finish() {
                return utf8.finish();
            }
        };
    }

    @Override
    public String piece(int id) {
        checkId(id);
        return data.tokens().get(id);
    }

    @Override
    public byte[] bytes(int id) {
        checkId(id);
        if (data.tokenType(id) == TokenizerData.CONTROL) return new byte[0];
        return data.tokens().get(id).replace(SPACE, ' ').getBytes(StandardCharsets.UTF_8);
    }

    private void checkId(int id) {
        if (id < 0 || id >= data.vocabSize())
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + data.vocabSize());
    }

    @Override
    public Map<String, Integer> specialTokens() {
        return specials;
    }

    @Override
    public Integer bosId() {
        return cls;
    }

    @Override
    public Integer eosId() {
        return sep;
    }

    @Override
    public boolean addsBos() {
        return cls != null;
    }
}
