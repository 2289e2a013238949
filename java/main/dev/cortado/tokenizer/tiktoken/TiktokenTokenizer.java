package dev.cortado.tokenizer.tiktoken;

import dev.cortado.CortadoException;
import dev.cortado.tokenizer.Tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A tiktoken encoding (byte-level BPE over ranked byte sequences, tiktoken's pre-tokenization
 * pattern, special tokens), with the ids tiktoken gives. Get one from {@link Tiktoken}.
 *
 * <p>Text is encoded as tiktoken encodes it: lone surrogates become U+FFFD; the stretches between
 * special tokens are pre-tokenized each on its own; each piece is byte-pair merged by rank.
 * Immutable and thread-safe.
 *
 * <p>Offsets ({@link #encodeWithOffsets}) are char offsets into the text. A token that covers only
 * some bytes of a character (an emoji split into two tokens, say) gets the whole character's span,
 * so neighbouring tokens can share a character; a special token gets the span of its text.
 */
public final class TiktokenTokenizer implements Tokenizer {
    private final String name;
    private final TiktokenPattern pattern;
    private final RankTable ranks;
    private final int[] byteRanks = new int[256];
    private final int maxTokenLength;
    private final Map<String, Integer> specials;
    private final String[] specialTexts;
    private final byte[][] specialBytes;
    private final int[] specialIds;
    private final int vocabSize;
    private final int[] allSpecials;

    TiktokenTokenizer(String name, TiktokenPattern pattern, byte[][] bytesByRank, Map<String, Integer> specialTokens, String source) {
        this.name = name;
        this.pattern = pattern;
        this.ranks = new RankTable(bytesByRank);
        int longest = 1;
        for (byte[] t : bytesByRank) if (t != null) longest = Math.max(longest, t.length);
        this.maxTokenLength = longest;
        byte[] one = new byte[1];
        for (int v = 0; v < 256; v++) {
            one[0] = (byte) v;
            byteRanks[v] = ranks.rank(one, 0, 1);
            if (byteRanks[v] == RankTable.NONE)
                throw CortadoException.inFile(source, String.format("byte 0x%02X has no rank; every single byte needs one", v));
        }
        int size = bytesByRank.length;
        this.specials = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
        int n = specials.size();
        specialTexts = new String[n];
        specialBytes = new byte[n][];
        specialIds = new int[n];
        allSpecials = new int[n];
        int k = 0;
        for (var e : specials.entrySet()) {
            int id = e.getValue();
            if (e.getKey().isEmpty()) throw CortadoException.inFile(source, "a special token is empty");
            if (id < 0 || id > RankFile.MAX_RANK) throw CortadoException.inFile(source, "special token " + e.getKey() + " has id " + id);
            if (ranks.bytes(id) != null)
                throw CortadoException.inFile(source, "special token " + e.getKey() + " has id " + id + ", which an ordinary token has");
            specialTexts[k] = e.getKey();
            specialBytes[k] = e.getKey().getBytes(StandardCharsets.UTF_8);
            specialIds[k] = id;
            allSpecials[k] = k;
            size = Math.max(size, id + 1);
            k++;
        }
        this.vocabSize = size;
    }

    /** The encoding's name, e.g. "cl100k_base". */
    public String name() {
        return name;
    }

    public TiktokenPattern pattern() {
        return pattern;
    }

    /** Tokens by rank, as a rank file holds them (null where no ordinary token has that id). Copies. */
    public byte[][] ranksByteArrays() {
        byte[][] out = new byte[ranks.limit()][];
        for (int r = 0; r < out.length; r++) {
            byte[] t = ranks.bytes(r);
            out[r] = t == null ? null : t.clone();
        }
        return out;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int[] encode(String text) {
        return run(text, allSpecials, Integer.MAX_VALUE, false).toArray();
    }

    @Override
    public int[] encodeOrdinary(String text) {
        return run(text, new int[0], Integer.MAX_VALUE, false).toArray();
    }

    @Override
    public int[] encode(String text, Set<String> allowedSpecial) {
        return run(text, allowed(allowedSpecial), Integer.MAX_VALUE, false).toArray();
    }

    /**
     * At most {@code maxTokens} ids of {@code text} (all special tokens recognised), cut where the ids
     * so far decode to a prefix of the text: when the cut would split a character's bytes, the tokens
     * holding its first bytes are dropped too (JTokkit's {@code encode(text, maxTokens)}).
     */
    public int[] encode(String text, int maxTokens) {
        if (maxTokens < 0) throw new IllegalArgumentException("maxTokens " + maxTokens + " < 0");
        byte[] b = Utf8.encode(text);
        IdList ids = run(b, allSpecials, maxTokens, false);
        if (ids.size() < maxTokens) return ids.toArray(); // the whole text fitted
        ids.truncate(maxTokens);
        long bytes = 0;
        for (int i = 0; i < ids.size(); i++) bytes += tokenLength(ids.get(i));
        int keep = ids.size();
        // drop tokens while the kept bytes end inside a character
        while (keep > 0 && bytes < b.length - Utf8.PAD && (b[(int) bytes] & 0xC0) == 0x80) {
            bytes -= tokenLength(ids.get(--keep));
        }
        ids.truncate(keep);
        return ids.toArray();
    }

    @Override
    public int countTokens(String text) {
        return run(text, allSpecials, Integer.MAX_VALUE, true).size();
    }

    /** The number of tokens {@link #encodeOrdinary} gives, without building the id array. */
    public int countTokensOrdinary(String text) {
        return run(text, new int[0], Integer.MAX_VALUE, true).size();
    }

    @Override
    public Encoding encodeWithOffsets(String text) {
        String clean = Utf8.replaceLoneSurrogates(text);
        byte[] b = Utf8.encode(clean);
        int[] ids = run(b, allSpecials, Integer.MAX_VALUE, false).toArray();
        int n = b.length - Utf8.PAD;
        // the char index of the character that byte p belongs to
        int[] charOf = new int[n + 1];
        for (int c = 0, p = 0; c < clean.length(); ) {
            int cp = clean.codePointAt(c);
            int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            for (int k = 0; k < len; k++) charOf[p + k] = c;
            p += len;
            c += Character.charCount(cp);
        }
        charOf[n] = clean.length();
        int[] starts = new int[ids.length], ends = new int[ids.length];
        int p = 0;
        for (int t = 0; t < ids.length; t++) {
            int len = tokenLength(ids[t]);
            starts[t] = charOf[p];
            int last = charOf[p + len - 1];
            ends[t] = last + Character.charCount(clean.codePointAt(last));
            p += len;
        }
        return new Encoding(ids, starts, ends);
    }

    private int tokenLength(int id) {
        byte[] t = ranks.bytes(id);
        return t != null ? t.length : specialBytes[specialIndex(id)].length;
    }

    private int specialIndex(int id) {
        for (int k = 0; k < specialIds.length; k++) if (specialIds[k] == id) return k;
        return -1;
    }

    private int[] allowed(Set<String> names) {
        int[] out = new int[specialTexts.length];
        int n = 0;
        for (int k = 0; k < specialTexts.length; k++) if (names.contains(specialTexts[k])) out[n++] = k;
        return java.util.Arrays.copyOf(out, n);
    }

    private IdList run(String text, int[] allowed, int maxTokens, boolean countOnly) {
        return run(Utf8.encode(text), allowed, maxTokens, countOnly);
    }

    /**
     * Encodes the UTF-8 text {@code b} (padded): stretches between the allowed special tokens are split
     * and merged; stops once {@code maxTokens} ids are out.
     */
    private IdList run(byte[] b, int[] allowed, int maxTokens, boolean countOnly) {
        int n = b.length - Utf8.PAD;
        IdList out = new IdList(countOnly ? 0 : n / 4 + 16, countOnly);
        BytePairEncoder bpe = new BytePairEncoder(ranks, byteRanks, maxTokenLength);
        Splitter splitter = pattern.splitter;
        int[] nextAt = new int[allowed.length];
        java.util.Arrays.fill(nextAt, -1);
        int pos = 0;
        while (true) {
            // the leftmost allowed special at or after pos (the longest where two start together)
            int found = -1, foundAt = n;
            for (int a = 0; a < allowed.length; a++) {
                if (nextAt[a] != Integer.MAX_VALUE && nextAt[a] < pos) nextAt[a] = indexOf(b, n, specialBytes[allowed[a]], pos);
                int at = nextAt[a];
                if (at < foundAt || (at == foundAt && found >= 0 && specialBytes[allowed[a]].length > specialBytes[found].length)) {
                    foundAt = at;
                    found = allowed[a];
                }
            }
            for (int i = pos; i < foundAt && out.size() < maxTokens; ) {
                int j = splitter.next(b, i, foundAt);
                bpe.encode(b, i, j, out);
                i = j;
            }
            if (found < 0 || out.size() >= maxTokens) return out;
            out.add(specialIds[found]);
            pos = foundAt + specialBytes[found].length;
        }
    }

    /** The first index ≥ from where {@code s} occurs in {@code b[0, n)}, or Integer.MAX_VALUE. */
    private static int indexOf(byte[] b, int n, byte[] s, int from) {
        byte first = s[0];
        outer:
        for (int i = from, last = n - s.length; i <= last; i++) {
            if (b[i] != first) continue;
            for (int k = 1; k < s.length; k++) if (b[i + k] != s[k]) continue outer;
            return i;
        }
        return Integer.MAX_VALUE;
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) out.writeBytes(tokenBytes(id));
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The bytes of {@code ids}, concatenated. */
    public byte[] decodeBytes(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) out.writeBytes(tokenBytes(id));
        return out.toByteArray();
    }

    /** Not a copy. */
    private byte[] tokenBytes(int id) {
        byte[] t = ranks.bytes(id);
        if (t != null) return t;
        int k = specialIndex(id);
        if (k < 0) throw new CortadoException(name + " has no token with id " + id);
        return specialBytes[k];
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder() {
            private byte[] pending = new byte[16];
            private int size;

            @Override
            public String feed(int id) {
                byte[] t = tokenBytes(id);
                if (size + t.length > pending.length) pending = java.util.Arrays.copyOf(pending, 2 * (size + t.length));
                System.arraycopy(t, 0, pending, size, t.length);
                size += t.length;
                int ready = size - Utf8.incompleteTail(pending, size);
                String s = new String(pending, 0, ready, StandardCharsets.UTF_8);
                System.arraycopy(pending, ready, pending, 0, size - ready);
                size -= ready;
                return s;
            }

            @Override
            public String finish() {
                String s = new String(pending, 0, size, StandardCharsets.UTF_8);
                size = 0;
                return s;
            }
        };
    }

    /** The token's bytes in GPT-2's byte-level alphabet (e.g. "Ġthe"); a special token's own text. */
    @Override
    public String piece(int id) {
        byte[] t = ranks.bytes(id);
        if (t == null) return new String(tokenBytes(id), StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(t.length);
        for (byte x : t) sb.append(dev.cortado.tokenizer.ByteLevel.charOf(x));
        return sb.toString();
    }

    @Override
    public byte[] bytes(int id) {
        return tokenBytes(id).clone();
    }

    @Override
    public Map<String, Integer> specialTokens() {
        return specials;
    }

    @Override
    public Integer bosId() {
        return null;
    }

    /** {@code <|endoftext|>}. */
    @Override
    public Integer eosId() {
        return specials.get("<|endoftext|>");
    }

    @Override
    public boolean addsBos() {
        return false;
    }

    @Override
    public String toString() {
        return "TiktokenTokenizer[" + name + ", " + ranks.count() + " ranks, " + specials.size() + " special]";
    }
}
