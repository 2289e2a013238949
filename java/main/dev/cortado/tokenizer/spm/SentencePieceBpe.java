package dev.cortado.tokenizer.spm;

import dev.cortado.CortadoException;
import dev.cortado.tokenizer.AllowedSpecialsTokenizer;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.TokenizerData;
import dev.cortado.tokenizer.Utf8Accumulator;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.longs.LongHeapPriorityQueue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SentencePiece-style BPE over scored pieces (GGUF {@code tokenizer.ggml.model = "llama"}, llama2.c
 * tokenizer.bin, Hugging Face tokenizer.json with byte fallback), with llama.cpp's algorithm: spaces
 * become "▁", a "▁" is prepended to each run of text as {@link Options#spacePrefix} says, the text is
 * split into characters, and the adjacent pair whose concatenation is the highest-scoring piece is
 * merged first (ties: the leftmost), until no pair is a piece. A character that is not a piece falls
 * back to its UTF-8 bytes as {@code <0xXX>} tokens when all of them exist, else to the unknown token.
 *
 * <p>Special tokens (control, user-defined and unknown pieces) are matched in the text before
 * normalization, or, for those {@link Options#normalizedSpecials} lists, in the normalized text, as
 * Hugging Face matches added tokens marked "normalized".
 */
public final class SentencePieceBpe implements AllowedSpecialsTokenizer {
    private static final char SPACE = '\u2581';

    /** Where a "▁" is put in front of a run of text (the text between special tokens). */
    public enum SpacePrefix {
        /** Never (GGUF add_space_prefix false, HF without Prepend / Metaspace prepend_scheme "never"). */
        NONE,
        /** Every run (llama.cpp's add_space_prefix: the first run and each after a special token; HF's Prepend normalizer). */
        EACH_RUN,
        /** The run at the start of the input, unless it starts with a space (HF Metaspace prepend_scheme "first"). */
        FIRST,
        /** Every run that does not start with a space (HF Metaspace prepend_scheme "always"). */
        ALWAYS
    }

    /**
     * What differs between the sources of a vocabulary: llama.cpp's rules ({@link #LLAMA_CPP}) or what a
     * Hugging Face tokenizer.json says.
     *
     * @param spacePrefix        where "▁" is prepended
     * @param fuseUnknown        consecutive unknown characters give one unknown token (HF BPE fuse_unk)
     * @param normalizedSpecials special tokens matched after normalization: the text to find in the
     *                           normalized text → the special token's own text
     * @param lstrip             special tokens that take the whitespace before them
     * @param rstrip             special tokens that take the whitespace after them
     */
    public record Options(SpacePrefix spacePrefix, boolean fuseUnknown, Map<String, String> normalizedSpecials,
                          Set<String> lstrip, Set<String> rstrip) {
        public static final Options LLAMA_CPP = new Options(SpacePrefix.EACH_RUN, false, Map.of(), Set.of(), Set.of());

        public Options {
            normalizedSpecials = Map.copyOf(normalizedSpecials);
            lstrip = Set.copyOf(lstrip);
            rstrip = Set.copyOf(rstrip);
        }
    }

    private final TokenizerData data;
    private final Options options;
    private final PieceTable ids;
    private final float[] scores;
    private final int[] byteTokens = new int[256];
    private final Map<String, Integer> specials;       // control, user-defined and unknown pieces
    private final Map<Character, List<String>> rawSpecialsByFirstChar = new HashMap<>();
    private final Map<Character, List<String>> normalizedPatternsByFirstChar = new HashMap<>();

    private SentencePieceBpe(TokenizerData data, Options options) {
        this.data = data;
        this.options = options;
        int n = data.vocabSize();
        ids = new PieceTable(data.tokens());
        scores = data.scores() != null ? data.scores() : new float[n];
        for (int b = 0; b < 256; b++) byteTokens[b] = ids.get(String.format("<0x%02X>", b));
        LinkedHashMap<String, Integer> sp = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            int t = data.tokenType(i);
            if ((t == TokenizerData.CONTROL || t == TokenizerData.USER_DEFINED || t == TokenizerData.UNKNOWN)
                    && !data.tokens().get(i).isEmpty()) {
                sp.putIfAbsent(data.tokens().get(i), i);
            }
        }
        specials = Collections.unmodifiableMap(sp);
        Set<String> normalizedContents = new HashSet<>(options.normalizedSpecials().values());
        for (String s : sp.keySet()) {
            if (!normalizedContents.contains(s)) rawSpecialsByFirstChar.computeIfAbsent(s.charAt(0), c -> new ArrayList<>()).add(s);
        }
        for (var e : options.normalizedSpecials().entrySet()) {
            String pattern = e.getKey();
            if (!pattern.isEmpty() && sp.containsKey(e.getValue())) normalizedPatternsByFirstChar.computeIfAbsent(pattern.charAt(0), c -> new ArrayList<>()).add(pattern);
        }
        rawSpecialsByFirstChar.values().forEach(l -> l.sort((a, b) -> b.length() - a.length()));
        normalizedPatternsByFirstChar.values().forEach(l -> l.sort((a, b) -> b.length() - a.length()));
    }

    /** A tokenizer over {@code data}, which must be a "llama" (SentencePiece-style) vocabulary, with llama.cpp's rules. */
    public static SentencePieceBpe fromData(TokenizerData data) {
        return fromData(data, Options.LLAMA_CPP);
    }

    /** As llama.cpp does it, with or without its add_space_prefix. */
    public static SentencePieceBpe fromData(TokenizerData data, boolean addSpacePrefix) {
        return fromData(data, addSpacePrefix ? Options.LLAMA_CPP
                : new Options(SpacePrefix.NONE, false, Map.of(), Set.of(), Set.of()));
    }

    public static SentencePieceBpe fromData(TokenizerData data, Options options) {
        if (!"llama".equals(data.model())) {
            throw new CortadoException("tokenizer model '" + data.model() + "' is not SentencePiece-style (\"llama\")");
        }
        return new SentencePieceBpe(data, options);
    }

    public TokenizerData data() {
        return data;
    }

    public Options options() {
        return options;
    }

    @Override
    public int vocabSize() {
        return data.vocabSize();
    }

    /** Output ids with their source offsets. */
    private static final class Out {
        final IntArrayList ids = new IntArrayList(), starts = new IntArrayList(), ends = new IntArrayList();

        void add(int id, int start, int end) {
            ids.add(id);
            starts.add(start);
            ends.add(end);
        }
    }

    /** Ids with offsets, recognising only the special tokens in {@code allowed}. */
    @Override
    public Encoding encodeWithOffsets(String text, Set<String> allowed) {
        Out out = new Out();
        int runStart = 0;
        for (int i = 0; ; ) {
            String special = i < text.length() && !allowed.isEmpty() ? specialAt(rawSpecialsByFirstChar, text, i, allowed, false) : null;
            if (special == null && i < text.length()) {
                i++;
                continue;
            }
            int runEnd = i, next = special == null ? i : i + special.length();
            if (special != null && options.lstrip().contains(special)) {
                while (runEnd > runStart && isStripSpace(text.charAt(runEnd - 1))) runEnd--;
            }
            if (special != null && options.rstrip().contains(special)) {
                while (next < text.length() && isStripSpace(text.charAt(next))) next++;
            }
            if (runEnd > runStart) encodeText(text, runStart, runEnd, allowed, out);
            if (special == null) break;
            out.add(specials.get(special), i, i + special.length());
            i = next;
            runStart = next;
        }
        return new Encoding(out.ids.toIntArray(), out.starts.toIntArray(), out.ends.toIntArray());
    }

    private static boolean isStripSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /** The longest special at {@code text[i]} that is allowed (for normalized patterns: whose token is allowed). */
    private String specialAt(Map<Character, List<String>> byFirst, CharSequence text, int i, Set<String> allowed, boolean normalized) {
        List<String> candidates = byFirst.get(text.charAt(i));
        if (candidates == null) return null;
        for (String s : candidates) {
            if (i + s.length() > text.length()) continue;
            boolean match = true;
            for (int k = 0; k < s.length() && match; k++) match = text.charAt(i + k) == s.charAt(k);
            if (match && allowed.contains(normalized ? options.normalizedSpecials().get(s) : s)) return s;
        }
        return null;
    }

    /** Normalizes text[from, to) ("▁" prefix and spaces), splits it at normalized specials and encodes the parts. */
    private void encodeText(String text, int from, int to, Set<String> allowed, Out out) {
        char first = text.charAt(from);
        boolean prefix = switch (options.spacePrefix()) {
            case NONE -> false;
            case EACH_RUN -> true;
            case FIRST -> from == 0 && first != ' ' && first != SPACE;
            case ALWAYS -> first != ' ' && first != SPACE;
        };
        int n = to - from + (prefix ? 1 : 0);
        StringBuilder norm = new StringBuilder(n);
        int[] src = new int[n + 1];  // source char offset of each normalized char; the prefix maps to `from`
        if (prefix) {
            norm.append(SPACE);
            src[0] = from;
        }
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            src[norm.length()] = i;
            norm.append(c == ' ' ? SPACE : c);
        }
        src[n] = to;
        if (normalizedPatternsByFirstChar.isEmpty() || allowed.isEmpty()) {
            bpe(norm, 0, n, src, out);
            return;
        }
        int partStart = 0;
        for (int i = 0; i < n; ) {
            String pattern = specialAt(normalizedPatternsByFirstChar, norm, i, allowed, true);
            if (pattern == null) {
                i++;
                continue;
            }
            if (i > partStart) bpe(norm, partStart, i, src, out);
            out.add(specials.get(options.normalizedSpecials().get(pattern)), src[i], src[i + pattern.length()]);
            i += pattern.length();
            partStart = i;
        }
        if (n > partStart) bpe(norm, partStart, n, src, out);
    }

    /**
     * llama.cpp's SentencePiece merge loop over norm[from, to). Symbols are ranges of norm, linked to
     * their neighbours; candidate pairs wait in a heap keyed by (score descending, left position).
     */
    private void bpe(CharSequence norm, int from, int to, int[] src, Out out) {
        int cap = to - from;
        int[] start = new int[cap], end = new int[cap], prev = new int[cap], next = new int[cap];
        int count = 0;
        for (int i = from; i < to; ) {
            int len = Character.isHighSurrogate(norm.charAt(i)) && i + 1 < to && Character.isLowSurrogate(norm.charAt(i + 1)) ? 2 : 1;
            start[count] = i;
            end[count] = i + len;
            prev[count] = count - 1;
            next[count] = -1;
            if (count > 0) next[count - 1] = count;
            count++;
            i += len;
        }
        LongHeapPriorityQueue queue = new LongHeapPriorityQueue(Math.max(1, count));
        for (int k = 0; k + 1 < count; k++) tryPair(norm, start, end, k, k + 1, queue);
        while (!queue.isEmpty()) {
            long key = queue.dequeueLong();
            int left = (int) key;
            int right = next[left];
            // stale entries: the left symbol merged away, or its pair changed into one of another score
            if (start[left] < 0 || right < 0) continue;
            int id = ids.get(norm, start[left], end[right]);
            if (id < 0 || pairKey(scores[id], left) != key) continue;
            end[left] = end[right];
            start[right] = -1;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) tryPair(norm, start, end, prev[left], left, queue);
            if (next[left] >= 0) tryPair(norm, start, end, left, next[left], queue);
        }
        boolean lastUnknown = false;
        for (int k = count == 0 ? -1 : 0; k >= 0; k = next[k]) {
            int id = ids.get(norm, start[k], end[k]);
            int s = src[start[k] - 0], e = src[end[k]];
            if (id >= 0) {
                out.add(id, s, e);
                lastUnknown = false;
                continue;
            }
            byte[] bytes = norm.subSequence(start[k], end[k]).toString().replace(SPACE, ' ').getBytes(StandardCharsets.UTF_8);
            boolean allBytes = true;
            for (byte b : bytes) allBytes &= byteTokens[b & 0xff] >= 0;
            if (allBytes) {
                for (byte b : bytes) out.add(byteTokens[b & 0xff], s, e);
                lastUnknown = false;
            } else if (lastUnknown && options.fuseUnknown()) {
                out.ends.set(out.ends.size() - 1, e);
            } else {
                out.add(unknownId(), s, e);
                lastUnknown = true;
            }
        }
    }

    private void tryPair(CharSequence norm, int[] start, int[] end, int left, int right, LongHeapPriorityQueue queue) {
        int id = ids.get(norm, start[left], end[right]);
        if (id >= 0) queue.enqueue(pairKey(scores[id], left));
    }

    /** Orders pairs by score, highest first, then leftmost first: high half the inverted sortable score bits. */
    private static long pairKey(float score, int left) {
        int bits = Float.floatToIntBits(score);
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~sortable << 32) | left;
    }

    private int unknownId() {
        Integer unk = data.unkId();
        if (unk == null) throw new CortadoException("text has a character that is not in the vocabulary, which has no byte or unknown tokens");
        return unk;
    }

    // ---- decoding ----------------------------------------------------------------------------

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
                if (first && options.spacePrefix() != SpacePrefix.NONE && b[0] == ' ') b = java.util.Arrays.copyOfRange(b, 1, b.length);
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

    /** Bytes as llama.cpp renders a piece: "▁" as space, byte tokens as their byte, control tokens as nothing. */
    @Override
    public byte[] bytes(int id) {
        checkId(id);
        String p = data.tokens().get(id);
        switch (data.tokenType(id)) {
            case TokenizerData.CONTROL:
                return new byte[0];
            case TokenizerData.BYTE:
                if (p.length() == 6 && p.startsWith("<0x") && p.endsWith(">")) {
                    return new byte[] {(byte) Integer.parseInt(p.substring(3, 5), 16)};
                }
                break;
            case TokenizerData.UNKNOWN:
                return " \u2047 ".getBytes(StandardCharsets.UTF_8);
            default:
                break;
        }
        if (data.tokenTypes() == null && p.length() == 6 && p.startsWith("<0x") && p.endsWith(">")) {
            return new byte[] {(byte) Integer.parseInt(p.substring(3, 5), 16)};
        }
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(p.replace(SPACE, ' ').getBytes(StandardCharsets.UTF_8));
        return o.toByteArray();
    }

    private void checkId(int id) {
        if (id < 0 || id >= data.vocabSize()) throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + data.vocabSize());
    }

    @Override
    public Map<String, Integer> specialTokens() {
        return specials;
    }

    @Override
    public Integer bosId() {
        return data.bosId();
    }

    @Override
    public Integer eosId() {
        return data.eosId();
    }

    @Override
    public boolean addsBos() {
        return data.addBos() == null || data.addBos();
    }
}
