package dev.cortado.tokenizer.tiktoken;

import dev.cortado.CortadoException;
import dev.cortado.io.AtomicFile;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

/** The {@code .tiktoken} rank file: one {@code <base64 token> <rank>} per line; empty lines are skipped. */
final class RankFile {
    /** Ranks above this are refused (the table is an array indexed by rank). */
    static final int MAX_RANK = (1 << 24) - 1;

    private RankFile() {}

    static byte[][] read(Path file) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw CortadoException.inFile(file, "no such file");
        } catch (IOException | OutOfMemoryError e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        }
        return parse(content, file.toString());
    }

    static byte[][] readResource(String resource) {
        try (InputStream in = RankFile.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new CortadoException("resource " + resource + " is not on the class path (is jtokkit there?)");
            return parse(in.readAllBytes(), "resource " + resource);
        } catch (IOException e) {
            throw new CortadoException("resource " + resource + ": cannot read: " + e.getMessage());
        }
    }

    /** Tokens by rank (null where no token has a rank). {@code source} names the file in messages. */
    static byte[][] parse(byte[] content, String source) {
        int lines = 1;
        for (byte c : content) if (c == '\n') lines++;
        int cap = Math.max(16, Math.min(MAX_RANK + 1, lines + 1024));
        byte[][] byRank = new byte[cap][];
        int limit = 0;
        Base64.Decoder base64 = Base64.getDecoder();
        var seen = new java.util.HashMap<ByteKey, Integer>(lines * 2);
        int line = 0;
        for (int start = 0; start < content.length; ) {
            int eol = start;
            while (eol < content.length && content[eol] != '\n') eol++;
            line++;
            int end = eol > start && content[eol - 1] == '\r' ? eol - 1 : eol;
            if (end > start) {
                int space = start;
                while (space < end && content[space] != ' ') space++;
                if (space == end || space == start)
                    throw bad(source, line, "expected '<base64 token> <rank>', found '" + text(content, start, end) + "'");
                String token64 = new String(content, start, space - start, StandardCharsets.ISO_8859_1);
                byte[] token;
                try {
                    token = base64.decode(token64);
                } catch (IllegalArgumentException e) {
                    throw bad(source, line, "bad base64 '" + text(content, start, space) + "'");
                }
                if (token.length == 0) throw bad(source, line, "empty token");
                int rank = parseRank(content, space + 1, end);
                if (rank < 0) throw bad(source, line, "rank '" + text(content, space + 1, end) + "' is not a number from 0 to " + MAX_RANK);
                if (rank >= byRank.length) byRank = Arrays.copyOf(byRank, Math.min(MAX_RANK + 1, Math.max(rank + 1, byRank.length * 2)));
                if (byRank[rank] != null) throw bad(source, line, "rank " + rank + " is given twice");
                Integer before = seen.put(new ByteKey(token), rank);
                if (before != null) throw bad(source, line, "token '" + token64 + "' is given twice (ranks " + before + " and " + rank + ")");
                byRank[rank] = token;
                limit = Math.max(limit, rank + 1);
            }
            start = eol + 1;
        }
        return Arrays.copyOf(byRank, limit);
    }

    private static int parseRank(byte[] c, int from, int to) {
        if (from >= to || to - from > 9) return -1;
        int v = 0;
        for (int i = from; i < to; i++) {
            if (c[i] < '0' || c[i] > '9') return -1;
            v = v * 10 + (c[i] - '0');
        }
        return v <= MAX_RANK ? v : -1;
    }

    private static String text(byte[] c, int from, int to) {
        String s = new String(c, from, Math.min(to - from, 60), StandardCharsets.UTF_8);
        return s.replaceAll("\\p{Cntrl}", "?") + (to - from > 60 ? "…" : "");
    }

    private static CortadoException bad(String source, int line, String problem) {
        return CortadoException.inFile(source, "line " + line + ": " + problem);
    }

    /** Writes tokens by rank (null entries skipped), atomically. */
    static void write(byte[][] byRank, Path file) {
        Base64.Encoder base64 = Base64.getEncoder();
        AtomicFile.writeStream(file, raw -> {
            BufferedOutputStream out = new BufferedOutputStream(raw, 1 << 16);
            for (int r = 0; r < byRank.length; r++) {
                if (byRank[r] == null) continue;
                out.write(base64.encode(byRank[r]));
                out.write(' ');
                out.write(Integer.toString(r).getBytes(StandardCharsets.US_ASCII));
                out.write('\n');
            }
            out.flush();
        });
    }

    private record ByteKey(byte[] b) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ByteKey k && Arrays.equals(b, k.b);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(b);
        }
    }
}
