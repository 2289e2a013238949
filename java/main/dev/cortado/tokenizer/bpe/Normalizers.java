package dev.cortado.tokenizer.bpe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cortado.CortadoException;

import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Hugging Face normalizers (NFC, NFD, NFKC, NFKD, Lowercase, Replace, Prepend, Strip, StripAccents, Sequence) with alignments. */
final class Normalizers {
    private Normalizers() {}

    /** The normalizer a tokenizer.json {@code normalizer} node describes; identity for null. */
    static UnaryOperator<Normalized> of(JsonNode n, Path file) {
        if (n == null || n.isNull()) return x -> x;
        String type = n.path("type").asText("");
        switch (type) {
            case "Sequence": {
                List<UnaryOperator<Normalized>> parts = new ArrayList<>();
                for (JsonNode c : n.path("normalizers")) parts.add(of(c, file));
                return x -> {
                    for (var p : parts) x = p.apply(x);
                    return x;
                };
            }
            case "NFC": return x -> unicode(x, Normalizer.Form.NFC);
            case "NFD": return x -> unicode(x, Normalizer.Form.NFD);
            case "NFKC": return x -> unicode(x, Normalizer.Form.NFKC);
            case "NFKD": return x -> unicode(x, Normalizer.Form.NFKD);
            case "Lowercase": return Normalizers::lowercase;
            case "StripAccents": return Normalizers::stripAccents;
            case "Strip": {
                boolean left = n.path("strip_left").asBoolean(false), right = n.path("strip_right").asBoolean(false);
                return x -> strip(x, left, right);
            }
            case "Prepend": {
                String p = n.path("prepend").asText("");
                return x -> x.text.isEmpty() ? x : new Normalized.Builder().add(p, x.startOf(0), x.startOf(0)).copy(x, 0, x.text.length()).build();
            }
            case "Replace": {
                Pattern pattern = Patterns.ofSplitPattern(n.get("pattern"), file, "Replace normalizer");
                String content = n.path("content").asText("");
                return x -> replace(x, pattern, content);
            }
            default:
                throw CortadoException.inFile(file, "normalizer type '" + type + "' is not supported for byte-level BPE");
        }
    }

    static Normalized unicode(Normalized x, Normalizer.Form form) {
        String s = x.text;
        if (Normalizer.isNormalized(s, form)) return x;
        // Normalize chunk by chunk so that each output char keeps the span of the chars it came from;
        // a chunk grows while normalizing it together with the next code point differs from apart.
        Normalized.Builder b = new Normalized.Builder();
        StringBuilder joined = new StringBuilder();
        int cs = 0;
        while (cs < s.length()) {
            int ce = cs + Character.charCount(s.codePointAt(cs));
            String norm = Normalizer.normalize(s.substring(cs, ce), form);
            while (ce < s.length() && ce - cs < 64) {
                int nx = ce + Character.charCount(s.codePointAt(ce));
                String together = Normalizer.normalize(s.substring(cs, nx), form);
                if (together.equals(norm + Normalizer.normalize(s.substring(ce, nx), form))) break;
                norm = together;
                ce = nx;
            }
            b.add(norm, x.startOf(cs), x.endOf(ce - 1));
            joined.append(norm);
            cs = ce;
        }
        String whole = Normalizer.normalize(s, form);
        if (whole.contentEquals(joined)) return b.build();
        // Chunking went wrong somewhere (a pathological sequence): keep the text exact, offsets coarse.
        return new Normalized.Builder().add(whole, x.startOf(0), x.endOf(s.length() - 1)).build();
    }

    /** Per code point, as Rust's char::to_lowercase (no final-sigma context). */
    static Normalized lowercase(Normalized x) {
        Normalized.Builder b = new Normalized.Builder();
        String s = x.text;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i), n = Character.charCount(cp);
            String lower = new String(Character.toChars(cp)).toLowerCase(Locale.ROOT);
            if (lower.length() == n) {
                // same length: each char keeps its own alignment
                for (int k = 0; k < n; k++) b.add(lower.substring(k, k + 1), x.starts[i + k], x.ends[i + k]);
            } else {
                b.add(lower, x.startOf(i), x.endOf(i + n - 1));
            }
            i += n;
        }
        return b.build();
    }

    static Normalized stripAccents(Normalized x) {
        Normalized.Builder b = new Normalized.Builder();
        for (int i = 0; i < x.text.length(); i++)
            if (Character.getType(x.text.charAt(i)) != Character.NON_SPACING_MARK) b.copy(x, i, i + 1);
        return b.build();
    }

    static Normalized strip(Normalized x, boolean left, boolean right) {
        String s = x.text;
        int from = 0, to = s.length();
        if (left) while (from < to && Character.isWhitespace(s.charAt(from))) from++;
        if (right) while (to > from && Character.isWhitespace(s.charAt(to - 1))) to--;
        return new Normalized.Builder().copy(x, from, to).build();
    }

    static Normalized replace(Normalized x, Pattern p, String content) {
        Matcher m = p.matcher(x.text);
        Normalized.Builder b = new Normalized.Builder();
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) continue;
            b.copy(x, last, m.start());
            b.add(content, x.startOf(m.start()), x.endOf(m.end() - 1));
            last = m.end();
        }
        return b.copy(x, last, x.text.length()).build();
    }
}
