package dev.cortado.tokenizer.tiktoken;

import dev.cortado.CortadoException;
import dev.cortado.tokenizer.TokenizerData;
import dev.cortado.tokenizer.ByteLevel;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * tiktoken encodings to and from the tokenizer data other formats carry:
 * <ul>
 *   <li>{@link #toData}: a tiktoken encoding as a byte-level BPE ("gpt2") vocabulary with merges, which
 *       {@code TokenizerFiles} writes as tokenizer.json or GGUF metadata. The merges are recovered from
 *       the ranks: the merge that makes the token of rank r is what BPE over the token's bytes, using
 *       only ranks below r, ends with — two parts (tiktoken's own "recover merges" argument). Encoding
 *       by merge rank then gives tiktoken's ids, and whole-piece lookup is kept with ignore_merges.</li>
 *   <li>{@link #ranksOf}: a byte-level vocabulary as tiktoken ranks (rank = id), for a .tiktoken file.
 *       This is exact when ids follow merge order, as in tokenizers Cortado trains.</li>
 * </ul>
 */
public final class TiktokenExport {
    private TiktokenExport() {}

    /** llama.cpp's pre-tokenizer names for tiktoken's patterns (their regexes: dev.cortado.tokenizer.PreTokenizers). */
    static String preName(TiktokenPattern p) {
        return switch (p) {
            case R50K -> "gpt-2";
            case CL100K -> "dbrx";   // llama.cpp's name for the cl100k_base family
            case O200K -> "gpt-4o";
        };
    }

    public static TokenizerData toData(TiktokenTokenizer t) {
        byte[][] byRank = t.ranksByteArrays();
        Map<String, Integer> specials = t.specialTokens();
        int vocab = byRank.length;
        for (int id : specials.values()) vocab = Math.max(vocab, id + 1);
        List<String> tokens = new ArrayList<>(vocab);
        int[] types = new int[vocab];
        Object2IntOpenHashMap<ByteBuffer> rankOf = new Object2IntOpenHashMap<>(byRank.length * 2);
        rankOf.defaultReturnValue(-1);
        for (int r = 0; r < vocab; r++) {
            byte[] b = r < byRank.length ? byRank[r] : null;
            if (b != null) {
                tokens.add(ByteLevel.encode(b));
                types[r] = TokenizerData.NORMAL;
                rankOf.put(ByteBuffer.wrap(b), r);
            } else {
                tokens.add("[PAD" + r + "]");
                types[r] = TokenizerData.UNUSED;
            }
        }
        for (Map.Entry<String, Integer> e : specials.entrySet()) {
            tokens.set(e.getValue(), e.getKey());
            types[e.getValue()] = TokenizerData.CONTROL;
        }
        List<String> merges = new ArrayList<>();
        for (int r = 0; r < byRank.length; r++) {
            byte[] b = byRank[r];
            if (b == null || b.length < 2) continue;
            byte[][] parts = lastMerge(b, r, rankOf);
            if (parts == null) {
                throw new CortadoException("tiktoken encoding " + t.name() + ": token of rank " + r + " is not reachable by merges");
            }
            merges.add(ByteLevel.encode(parts[0]) + " " + ByteLevel.encode(parts[1]));
        }
        Integer eos = specials.get("<|endoftext|>");
        return new TokenizerData("gpt2", preName(t.pattern()), tokens, null, types, merges, null, eos, null, null, null,
                false, false, null);
    }

    /** BPE over {@code token}'s bytes with ranks below {@code maxRank}: the two parts left, or null. */
    private static byte[][] lastMerge(byte[] token, int maxRank, Object2IntOpenHashMap<ByteBuffer> rankOf) {
        List<byte[]> parts = new ArrayList<>();
        for (byte x : token) parts.add(new byte[] {x});
        while (parts.size() > 2) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < parts.size(); i++) {
                int rk = rankOf.getInt(ByteBuffer.wrap(concat(parts.get(i), parts.get(i + 1))));
                if (rk >= 0 && rk < maxRank && rk < bestRank) {
                    bestRank = rk;
                    best = i;
                }
            }
            if (best < 0) return null;
            parts.set(best, concat(parts.get(best), parts.remove(best + 1)));
        }
        return parts.size() == 2 ? new byte[][] {parts.get(0), parts.get(1)} : null;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** Ranks (= ids) of a byte-level ("gpt2") vocabulary's ordinary tokens; null where an id is special or unused. */
    public static byte[][] ranksOf(TokenizerData data) {
        if (!"gpt2".equals(data.model())) {
            throw new CortadoException("only byte-level BPE vocabularies can be written as .tiktoken (this one is '" + data.model() + "')");
        }
        byte[][] out = new byte[data.vocabSize()][];
        int last = -1;
        for (int id = 0; id < out.length; id++) {
            int type = data.tokenType(id);
            if (type == TokenizerData.NORMAL || type == TokenizerData.BYTE) {
                out[id] = ByteLevel.decode(data.tokens().get(id));
                last = id;
            }
        }
        return Arrays.copyOf(out, last + 1);
    }
}
