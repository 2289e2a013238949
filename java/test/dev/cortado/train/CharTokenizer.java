package dev.cortado.train;

import dev.cortado.tokenizer.Tokenizer;

import java.util.Map;
import java.util.Set;

/** A test tokenizer: one token per char (id = char + 3), BOS 1, EOS 2, pad 0; predictable lengths for packing tests. */
final class CharTokenizer implements Tokenizer {
    @Override public int vocabSize() { return 65539; }

    @Override public int[] encode(String text) {
        int[] ids = new int[text.length()];
        for (int i = 0; i < ids.length; i++) ids[i] = text.charAt(i) + 3;
        return ids;
    }

    @Override public int[] encodeOrdinary(String text) { return encode(text); }

    @Override public int[] encode(String text, Set<String> allowedSpecial) { return encode(text); }

    @Override public Encoding encodeWithOffsets(String text) {
        int n = text.length();
        int[] s = new int[n], e = new int[n];
        for (int i = 0; i < n; i++) { s[i] = i; e[i] = i + 1; }
        return new Encoding(encode(text), s, e);
    }

    @Override public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (id == 1) sb.append("<s>");
            else if (id == 2) sb.append("</s>");
            else if (id == 0) sb.append("<pad>");
            else sb.append((char) (id - 3));
        }
        return sb.toString();
    }

    @Override public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder() {
            @Override public String feed(int id) { return decode(new int[]{id}); }
            @Override public String finish() { return ""; }
        };
    }

    @Override public String piece(int id) { return decode(new int[]{id}); }

    @Override public byte[] bytes(int id) { return piece(id).getBytes(java.nio.charset.StandardCharsets.UTF_8); }

    @Override public Map<String, Integer> specialTokens() { return Map.of("<pad>", 0, "<s>", 1, "</s>", 2); }

    @Override public Integer bosId() { return 1; }

    @Override public Integer eosId() { return 2; }

    @Override public boolean addsBos() { return true; }
}
