package dev.cortado.train;

import dev.cortado.CortadoException;
import dev.cortado.Progress;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Streams a text file line by line (1-based numbers, strict UTF-8, a leading byte-order mark and
 * trailing CR dropped), so a large .jsonl never sits in memory as one string; reports bytes read.
 */
final class DataLines {
    /** Longest line accepted: a line longer than this is a broken file, not an example. */
    static final int MAX_LINE_BYTES = 64 << 20;

    interface Handler {
        /** One line's text; throws {@link BadLine} for a line it cannot use. */
        void line(long number, String text);
    }

    /** Where a line's problem goes: thrown, or skipped and counted, as the caller decides. */
    interface Problems {
        void bad(BadLine problem);
    }

    private DataLines() {}

    static void forEach(Path file, Progress progress, Handler handler, Problems problems) {
        long size = size(file);
        progress.start("reading " + file.getFileName(), size, "B");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] chunk = new byte[1 << 20];
            byte[] line = new byte[4096];
            int len = 0;
            long number = 1;
            boolean tooLong = false;
            int n;
            while ((n = in.read(chunk)) > 0) {
                progress.advance(n);
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (chunk[i] != '\n') continue;
                    if (!tooLong) line = append(line, len, chunk, start, i - start);
                    len = tooLong ? 0 : len + i - start;
                    emit(number, line, len, tooLong, handler, problems);
                    number++;
                    len = 0;
                    tooLong = false;
                    start = i + 1;
                }
                int rest = n - start;
                if (!tooLong && (long) len + rest > MAX_LINE_BYTES) {
                    tooLong = true;
                    len = 0;
                }
                if (!tooLong) {
                    line = append(line, len, chunk, start, rest);
                    len += rest;
                }
            }
            if (len > 0 || tooLong) emit(number, line, len, tooLong, handler, problems);
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        } finally {
            progress.finish();
        }
    }

    private static void emit(long number, byte[] line, int len, boolean tooLong, Handler handler, Problems problems) {
        try {
            if (tooLong) throw new BadLine(number, "the line is over " + (MAX_LINE_BYTES >> 20) + " MiB");
            int from = 0;
            if (number == 1 && len >= 3 && (line[0] & 0xff) == 0xEF && (line[1] & 0xff) == 0xBB && (line[2] & 0xff) == 0xBF) from = 3;
            if (len > from && line[len - 1] == '\r') len--;
            String text;
            try {
                text = Utf8Text.decode(line, from, len - from);
            } catch (Utf8Text.Invalid e) {
                throw new BadLine(number, "invalid UTF-8 at byte " + (e.offset + from + 1) + " of the line");
            }
            handler.line(number, text);
        } catch (BadLine b) {
            problems.bad(b);
        }
    }

    private static byte[] append(byte[] line, int len, byte[] src, int from, int count) {
        if (len + count > line.length) line = Arrays.copyOf(line, Math.max(len + count, line.length * 2));
        System.arraycopy(src, from, line, len, count);
        return line;
    }

    static long size(Path file) {
        try {
            if (Files.isDirectory(file)) throw CortadoException.inFile(file, "is a directory, not a data file");
            return Files.size(file);
        } catch (NoSuchFileException e) {
            throw CortadoException.inFile(file, "no such data file");
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        }
    }
}
