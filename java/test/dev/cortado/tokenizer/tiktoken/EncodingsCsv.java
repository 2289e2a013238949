package dev.cortado.tokenizer.tiktoken;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * tiktoken's conformance vectors: CSV (RFC 4180 quoting: fields with commas in double quotes, "" for
 * a quote) with columns input, output (the ids), outputMaxTokens10 (the ids when encoding is cut to
 * at most 10 tokens without splitting a character: JTokkit's encode(text, 10)).
 */
record EncodingsCsv(String input, int[] output, int[] outputMaxTokens10) {
    static List<EncodingsCsv> read(Path file) throws IOException {
        String all = Files.readString(file, StandardCharsets.UTF_8);
        List<List<String>> rows = parse(all);
        if (!rows.get(0).equals(List.of("input", "output", "outputMaxTokens10")))
            throw new IOException(file + ": unexpected header " + rows.get(0));
        List<EncodingsCsv> out = new ArrayList<>();
        for (List<String> r : rows.subList(1, rows.size())) {
            if (r.size() == 1 && r.get(0).isEmpty()) continue; // a blank line
            if (r.size() != 3) throw new IOException(file + ": row with " + r.size() + " fields: " + r);
            out.add(new EncodingsCsv(r.get(0), ids(r.get(1)), ids(r.get(2))));
        }
        return out;
    }

    private static int[] ids(String s) {
        String t = s.trim();
        t = t.substring(1, t.length() - 1).trim();
        if (t.isEmpty()) return new int[0];
        return Arrays.stream(t.split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
    }

    private static List<List<String>> parse(String s) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < s.length() && s.charAt(i + 1) == '"') {
                    f.append('"');
                    i++;
                } else if (c == '"') quoted = false;
                else f.append(c);
            } else if (c == '"') quoted = true;
            else if (c == ',') {
                row.add(f.toString());
                f.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') i++;
                row.add(f.toString());
                f.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else f.append(c);
        }
        if (f.length() > 0 || !row.isEmpty()) {
            row.add(f.toString());
            rows.add(row);
        }
        return rows;
    }
}
