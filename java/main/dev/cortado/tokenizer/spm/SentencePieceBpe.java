package dev.cortado.tokenizer.spm;

import dev.cortado.CortadoException;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.TokenizerData;
import dev.cortado.tokenizer.Utf8Accumulator;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * SentencePiece-style BPE over scored pieces (GGUF {@code tokenizer.ggml.model = "llama"}, llama2.c
 * tokenizer.bin), with llama.cpp's algorithm: spaces become "▁", a "▁" is prepended to each run of
 * text that starts the input or follows a special token, the text is split into characters, and
 * the adjacent pair whose concatenation is the highest-scoring piece is merged first (ties: the
 * leftmost), until no pair is a piece. Characters that are not pieces fall back to their UTF-8 bytes
 * as {@code <0xXX>} tokens (or to the unknown token).
 */
public final class SentencePieceBpe implements Tokenizer {
    private static final char SPACE = '\u2581';

    private final TokenizerData data;
    private final Object2IntOpenHashMap<String> ids;
    private final float[] scores;
    private final int[] byteTokens = new int[256];
    private final boolean addSpacePrefix;
    private final Map<String, Integer> specials;       // control + user-defined pieces matched in text
    private final List<String> specialsLongestFirst;

    private SentencePieceBpe(TokenizerData data, boolean addSpacePrefix) {
        this.data = data;
        this.addSpacePrefix = addSpacePrefix;
        int n = data.vocabSize();
        ids = new Object2IntOpenHashMap<>(n * 2);
        ids.defaultReturnValue(-1);
        for (int i = 0; i < n; i++) ids.putIfAbsent(data.tokens().get(i), i);
        scores = data.scores() != null ? data.scores() : new float[n];
        java.util.Arrays.fill(byteTokens, -1);
        for (int b = 0; b < 256; b++) byteTokens[b] = ids.getInt(String.format("<0x%02X>", b));
        LinkedHashMap<String, Integer> sp = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            int t = data.tokenType(i);
            if ((t == TokenizerData.CONTROL || t == TokenizerData.USER_DEFINED) && !data.tokens().get(i).isEmpty()) {
                sp.putIfAbsent(data.tokens().get(i), i);
            }
        }
        specials = Collections.unmodifiableMap(sp);
        List<String> longest = new ArrayList<>(sp.keySet());
        longest.sort((a, b) -> b.length() - a.length());
        specialsLongestFirst = longest;
    }

    /** A tokenizer over {@code data}, which must be a "llama" (SentencePiece-style) vocabulary. */
    public static SentencePieceBpe fromData(TokenizerData data) {
        return fromData(data, true);
    }

    public static SentencePieceBpe fromData(TokenizerData data, boolean addSpacePrefix) {
        if (!"llama".equals(data.model())) {
            throw new CortadoException("tokenizer model '" + data.model() + "' is not SentencePiece-style (\"llama\")");
        }
        return new SentencePieceBpe(data, addSpacePrefix);
    }

    public TokenizerData data() {
        return data;
    }

    @Override
    public int vocabSize() {
        return data.vocabSize();
    }

    @Override
    public int[] encode(String text) {
        return encodeWithOffsets(text, specials.keySet()).ids();
    }

    @Override
    public int[] encodeOrdinary(String text) {
        return encodeWithOffsets(text, Set.of()).ids();
    }

    @Override
    public int[] encode(String text, Set<String> allowedSpecial) {
        return encodeWithOffsets(text, allowedSpecial).ids();
    }

    @Override
    public Encoding encodeWithOffsets(String text) {
        return encodeWithOffsets(text, specials.keySet());
    }

    private Encoding encodeWithOffsets(String text, Set<String> allowed) {
        IntArrayList out = new IntArrayList();
        IntArrayList starts = new IntArrayList();
        IntArrayList ends = new IntArrayList();
        boolean prevSpecial = true;
        int runStart = 0;
        int i = 0;
        while (i <= text.length()) {
            String special = i < text.length() && !allowed.isEmpty() ? specialAt(text, i, allowed) : null;
            if (special != null || i == text.length()) {
                if (i > runStart) {
                    encodeRun(text, runStart, i, prevSpecial && addSpacePrefix, out, starts, ends);
                    prevSpecial = false;
                }
                if (special == null) break;
                out.add(specials.get(special));
                starts.add(i);
                ends.add(i + special.length());
                i += special.length();
                runStart = i;
                prevSpecial = true;
            } else {
                i++;
            }
        }
        return new Encoding(out.toIntArray(), starts.toIntArray(), ends.toIntArray());
    }

    private String specialAt(String text, int i, Set<String> allowed) {
        for (String s : specialsLongestFirst) {
            if (text.startsWith(s, i) && allowed.contains(s)) return s;
        }
        return null;
    }

    /** One symbol of the merge list: a piece of the escaped text, linked to its neighbours. */
    private static final class Sym {
        String text;
        int start;
        int end;  // char offsets into the input
        int prev;
        int next;
    }

    private record Bigram(int left, int right, float score, int size) {}

    private void encodeRun(String text, int from, int to, boolean prefix, IntArrayList out, IntArrayList starts, IntArrayList ends) {
        List<Sym> syms = new ArrayList<>();
        if (prefix) syms.add(sym(String.valueOf(SPACE), from, from));
        for (int i = from; i < to; ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            String ch = cp == ' ' ? String.valueOf(SPACE) : text.substring(i, i + n);
            syms.add(sym(ch, i, i + n));
            i += n;
        }
        for (int k = 0; k < syms.size(); k++) {
            syms.get(k).prev = k - 1;
            syms.get(k).next = k + 1 < syms.size() ? k + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : a.left - b.left);
        for (int k = 0; k + 1 < syms.size(); k++) tryBigram(syms, k, k + 1, queue);
        while (!queue.isEmpty()) {
            Bigram b = queue.poll();
            Sym l = syms.get(b.left);
            Sym r = syms.get(b.right);
            // stale: one side was merged away or changed since this bigram was queued
            if (l.text == null || r.text == null || l.next != b.right || l.text.length() + r.text.length() != b.size) continue;
            l.text = l.text + r.text;
            l.end = r.end;
            r.text = null;
            l.next = r.next;
            if (r.next >= 0) syms.get(r.next).prev = b.left;
            if (l.prev >= 0) tryBigram(syms, l.prev, b.left, queue);
            if (l.next >= 0) tryBigram(syms, b.left, l.next, queue);
        }
        for (int k = 0; k >= 0 && k < syms.size(); k = syms.get(k).next) {
            Sym s = syms.get(k);
            int id = ids.getInt(s.text);
            if (id >= 0) {
                out.add(id);
                starts.add(s.start);
                ends.add(s.end);
                continue;
            }
            for (byte b : s.text.replace(SPACE, ' ').getBytes(StandardCharsets.UTF_8)) {
                int bt = byteTokens[b & 0xff];
                out.add(bt >= 0 ? bt : unknownId());
                starts.add(s.start);
                ends.add(s.end);
            }
        }
    }

    private int unknownId() {
        Integer unk = data.unkId();
        if (unk == null) throw new CortadoException("text has a character that is not in the vocabulary, which has no byte or unknown tokens");
        return unk;
    }

    private static Sym sym(String text, int start, int end) {
        Sym s = new Sym();
        s.text = text;
        s.start = start;
        s.end = end;
        return s;
    }

    private void tryBigram(List<Sym> syms, int left, int right, PriorityQueue<Bigram> queue) {
        String t = syms.get(left).text + syms.get(right).text;
        int id = ids.getInt(t);
        if (id < 0) return;
        queue.add(new Bigram(left, right, scores[id], t.length()));
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
                if (first && addSpacePrefix && b[0] == ' ') b = java.util.Arrays.copyOfRange(b, 1, b.length);
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
