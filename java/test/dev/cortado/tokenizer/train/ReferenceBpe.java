package dev.cortado.tokenizer.train;

import dev.cortado.tokenizer.ByteLevel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plain, obviously-correct references for the tests: a trainer that recounts every pair after every
 * merge, and a merge-rank encoder/decoder over a tokenizer.json, both over their own regex split.
 */
final class ReferenceBpe {
    private ReferenceBpe() {}

    static List<String> split(String regex, String text) {
        Matcher m = Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS).matcher(text);
        List<String> out = new ArrayList<>();
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) continue;
            if (m.start() > last) out.add(text.substring(last, m.start()));
            out.add(m.group());
            last = m.end();
        }
        if (last < text.length()) out.add(text.substring(last));
        return out;
    }

    /**
     * Trains {@code merges} merges: count all adjacent pairs over all words (weighted by the word's
     * count), take the most frequent, ties to the smallest (left id, right id), merge it everywhere
     * left to right, repeat. Returns [left, right] per merge.
     */
    static List<int[]> train(Map<String, Long> wordCounts, int merges) {
        List<List<Integer>> words = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        for (var e : wordCounts.entrySet()) {
            List<Integer> w = new ArrayList<>();
            for (byte b : e.getKey().getBytes(StandardCharsets.UTF_8)) w.add(b & 0xFF);
            words.add(w);
            counts.add(e.getValue());
        }
        List<int[]> out = new ArrayList<>();
        for (int step = 0; step < merges; step++) {
            Map<List<Integer>, Long> pairs = new HashMap<>();
            for (int i = 0; i < words.size(); i++) {
                List<Integer> w = words.get(i);
                for (int j = 0; j + 1 < w.size(); j++) pairs.merge(List.of(w.get(j), w.get(j + 1)), counts.get(i), Long::sum);
            }
            List<Integer> best = null;
            long bestCount = 0;
            for (var e : pairs.entrySet()) {
                List<Integer> p = e.getKey();
                long c = e.getValue();
                if (c > bestCount || (c == bestCount && (p.get(0) < best.get(0)
                        || (p.get(0).equals(best.get(0)) && p.get(1) < best.get(1))))) {
                    best = p;
                    bestCount = c;
                }
            }
            if (best == null) break;
            int id = 256 + step;
            out.add(new int[] {best.get(0), best.get(1)});
            for (List<Integer> w : words) {
                for (int j = 0; j + 1 < w.size(); j++) {
                    if (w.get(j).equals(best.get(0)) && w.get(j + 1).equals(best.get(1))) {
                        w.set(j, id);
                        w.remove(j + 1);
                    }
                }
            }
        }
        return out;
    }

    static Map<String, Long> countWords(String regex, String text) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String p : split(regex, text)) counts.merge(p, 1L, Long::sum);
        return counts;
    }

    /** A merge-rank BPE encoder read from a tokenizer.json, as Hugging Face's BPE model encodes. */
    static final class Encoder {
        final Map<String, Integer> vocab = new HashMap<>();
        final Map<Integer, String> byId = new HashMap<>();
        final Map<String, Integer> rank = new HashMap<>();
        final String regex;

        Encoder(Path tokenizerJson, String regex) throws IOException {
            JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
            root.get("model").get("vocab").fields().forEachRemaining(e -> {
                vocab.put(e.getKey(), e.getValue().asInt());
                byId.put(e.getValue().asInt(), e.getKey());
            });
            int r = 0;
            for (JsonNode m : root.get("model").get("merges")) rank.put(m.asText(), r++);
            this.regex = regex;
        }

        List<Integer> encode(String text) {
            List<Integer> ids = new ArrayList<>();
            for (String piece : split(regex, text)) {
                List<String> sym = new ArrayList<>();
                for (byte b : piece.getBytes(StandardCharsets.UTF_8)) sym.add(ByteLevel.encode(new byte[] {b}));
                while (sym.size() > 1) {
                    int best = -1, bestRank = Integer.MAX_VALUE;
                    for (int i = 0; i + 1 < sym.size(); i++) {
                        Integer rk = rank.get(sym.get(i) + " " + sym.get(i + 1));
                        if (rk != null && rk < bestRank) {
                            bestRank = rk;
                            best = i;
                        }
                    }
                    if (best < 0) break;
                    sym.set(best, sym.get(best) + sym.remove(best + 1));
                }
                for (String s : sym) ids.add(vocab.get(s));
            }
            return ids;
        }

        byte[] decode(List<Integer> ids) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (int id : ids) out.writeBytes(ByteLevel.decode(byId.get(id)));
            return out.toByteArray();
        }
    }
}
