package dev.cortado.tokenizer;

import dev.cortado.CortadoException;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.gguf.GgufValue;
import dev.cortado.io.gguf.GgufValueType;

import java.util.Arrays;
import java.util.List;

/** {@link TokenizerData} ↔ GGUF {@code tokenizer.*} metadata, with the keys and value types llama.cpp uses. */
final class GgufTokenizer {
    static final String MODEL = "tokenizer.ggml.model", PRE = "tokenizer.ggml.pre", TOKENS = "tokenizer.ggml.tokens",
            SCORES = "tokenizer.ggml.scores", TYPES = "tokenizer.ggml.token_type", MERGES = "tokenizer.ggml.merges",
            BOS = "tokenizer.ggml.bos_token_id", EOS = "tokenizer.ggml.eos_token_id",
            UNK = "tokenizer.ggml.unknown_token_id", PAD = "tokenizer.ggml.padding_token_id",
            EOT = "tokenizer.ggml.eot_token_id", ADD_BOS = "tokenizer.ggml.add_bos_token",
            ADD_EOS = "tokenizer.ggml.add_eos_token", CHAT_TEMPLATE = "tokenizer.chat_template";

    private GgufTokenizer() {}

    static TokenizerData read(GgufMetadata md) {
        String model = md.getString(MODEL);
        if (model == null) return null;
        String[] tokens = md.getStringArray(TOKENS);
        if (tokens == null) {
            // "no_vocab" models (and some others) carry the model name alone.
            if (md.contains(TOKENS)) throw bad(TOKENS + " is " + md.get(TOKENS).describe() + ", not an array of strings");
            tokens = new String[0];
        }
        int n = tokens.length;
        float[] scores = floats(md, SCORES, n);
        int[] types = ints(md, TYPES, n);
        List<String> merges = null;
        if (md.contains(MERGES)) {
            String[] m = md.getStringArray(MERGES);
            if (m == null) throw bad(MERGES + " is " + md.get(MERGES).describe() + ", not an array of strings");
            merges = Arrays.asList(m);
        }
        return new TokenizerData(model, md.getString(PRE), Arrays.asList(tokens), scores, types, merges,
                id(md, BOS, n), id(md, EOS, n), id(md, UNK, n), id(md, PAD, n), id(md, EOT, n),
                bool(md, ADD_BOS), bool(md, ADD_EOS), md.getString(CHAT_TEMPLATE));
    }

    /**
     * Sets the keys this data has and removes those it lacks, leaving other tokenizer keys (sep, cls,
     * other templates…) as they were. A "llama" vocabulary gets no merges, as llama.cpp writes none for it:
     * its SentencePiece tokenizer works from the scores.
     */
    static void write(TokenizerData t, GgufMetadata md) {
        md.putString(MODEL, t.model());
        set(md, PRE, t.pre() == null ? null : GgufValue.ofString(t.pre()));
        set(md, TOKENS, t.tokens().isEmpty() ? null : GgufValue.ofStrings(t.tokens().toArray(new String[0])));
        set(md, SCORES, t.scores() == null ? null : GgufValue.ofFloats(t.scores().clone()));
        set(md, TYPES, t.tokenTypes() == null ? null : GgufValue.ofInt32s(t.tokenTypes().clone()));
        boolean merges = t.merges() != null && !"llama".equals(t.model());
        set(md, MERGES, merges ? GgufValue.ofStrings(t.merges().toArray(new String[0])) : null);
        set(md, BOS, t.bosId() == null ? null : GgufValue.ofUint32(t.bosId()));
        set(md, EOS, t.eosId() == null ? null : GgufValue.ofUint32(t.eosId()));
        set(md, UNK, t.unkId() == null ? null : GgufValue.ofUint32(t.unkId()));
        set(md, PAD, t.padId() == null ? null : GgufValue.ofUint32(t.padId()));
        set(md, EOT, t.eotId() == null ? null : GgufValue.ofUint32(t.eotId()));
        set(md, ADD_BOS, t.addBos() == null ? null : GgufValue.ofBool(t.addBos()));
        set(md, ADD_EOS, t.addEos() == null ? null : GgufValue.ofBool(t.addEos()));
        set(md, CHAT_TEMPLATE, t.chatTemplate() == null ? null : GgufValue.ofString(t.chatTemplate()));
    }

    private static void set(GgufMetadata md, String key, GgufValue v) {
        if (v == null) md.remove(key);
        else md.put(key, v);
    }

    private static float[] floats(GgufMetadata md, String key, int n) {
        GgufValue v = md.get(key);
        if (v == null) return null;
        float[] f;
        if (v.isArray() && v.value() instanceof float[] a) f = a.clone();
        else if (v.isArray() && v.value() instanceof double[] d) {
            f = new float[d.length];
            for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        } else throw bad(key + " is " + v.describe() + ", not an array of floats");
        if (f.length != n) throw bad(key + " has " + f.length + " entries but there are " + n + " tokens");
        return f;
    }

    private static int[] ints(GgufMetadata md, String key, int n) {
        GgufValue v = md.get(key);
        if (v == null) return null;
        int[] a = md.getIntArray(key);
        if (a == null) throw bad(key + " is " + v.describe() + ", not an array of 32-bit integers");
        if (a.length != n) throw bad(key + " has " + a.length + " entries but there are " + n + " tokens");
        return a.clone();
    }

    /** A token id; one outside the vocabulary is dropped, as llama.cpp ignores it with a warning. */
    private static Integer id(GgufMetadata md, String key, int n) {
        GgufValue v = md.get(key);
        if (v == null || v.isArray() || !(v.value() instanceof Long l)) return null;
        return l >= 0 && l < n ? (int) (long) l : null;
    }

    private static Boolean bool(GgufMetadata md, String key) {
        GgufValue v = md.get(key);
        return v != null && v.type() == GgufValueType.BOOL ? (Boolean) v.value() : null;
    }

    private static CortadoException bad(String problem) {
        return new CortadoException("GGUF tokenizer metadata: " + problem);
    }
}
