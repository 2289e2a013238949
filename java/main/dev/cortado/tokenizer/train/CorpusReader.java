package dev.cortado.tokenizer.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.CortadoException;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Streams the training inputs as {@link Chunk}s of about {@link #CHUNK_BYTES}, never holding a file
 * whole: plain text files, directories (recursively, in path order), JSON Lines files (one field of
 * each record), and gzip of either ({@code .gz}). Plain text is cut after a newline that is followed
 * by a non-space byte where possible, so chunking rarely changes how the pattern splits text; the
 * cut points depend only on the bytes, so the chunks are the same on every run.
 */
public final class CorpusReader {
    /** Text files are cut into chunks of at most this many bytes (pieces never cross a cut). */
    public static final int CHUNK_BYTES = 1 << 20;

    private final String jsonlField;
    private ObjectMapper mapper;  // made for the first JSON Lines file: its start-up is ~0.1 s
    private long nextIndex;
    private long records, recordsWithoutField;

    /** What receives each chunk, in order. */
    @FunctionalInterface
    interface ChunkSink {
        void accept(Chunk chunk) throws InterruptedException;
    }

    public CorpusReader(String jsonlField) {
        this.jsonlField = jsonlField;
    }

    /** The regular files the inputs name, in order: directories expand recursively, sorted by path. */
    public static List<Path> expand(List<Path> inputs) {
        List<Path> files = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                try (Stream<Path> s = Files.walk(in)) {
                    s.filter(Files::isRegularFile).sorted().forEach(files::add);
                } catch (IOException | java.io.UncheckedIOException e) {
                    throw CortadoException.inFile(in, "cannot list directory: " + e.getMessage());
                }
            } else if (Files.isRegularFile(in)) {
                files.add(in);
            } else {
                throw CortadoException.inFile(in, Files.exists(in) ? "not a regular file or directory" : "no such file");
            }
        }
        for (Path f : files) {
            if (!Files.isReadable(f)) throw CortadoException.inFile(f, "cannot read (permission denied)");
        }
        return files;
    }

    static boolean isJsonl(Path f) {
        String n = stripGz(f.getFileName().toString());
        return n.endsWith(".jsonl") || n.endsWith(".ndjson");
    }

    private static String stripGz(String n) {
        return n.endsWith(".gz") ? n.substring(0, n.length() - 3) : n;
    }

    long records() {
        return records;
    }

    long recordsWithoutField() {
        return recordsWithoutField;
    }

    /** Reads every file in order; {@code rawBytes} hears of each block of file bytes read. */
    void read(List<Path> files, LongConsumer rawBytes, ChunkSink sink) throws InterruptedException {
        for (Path f : files) {
            try (InputStream raw = Files.newInputStream(f);
                 InputStream counted = new Counting(raw, rawBytes);
                 InputStream in = open(f, counted)) {
                if (isJsonl(f)) readJsonl(f, in, sink);
                else readText(in, sink);
            } catch (IOException e) {
                throw CortadoException.inFile(f, "cannot read: " + e.getMessage());
            }
        }
    }

    private static InputStream open(Path f, InputStream counted) throws IOException {
        InputStream buffered = new BufferedInputStream(counted, 1 << 16);
        if (!f.getFileName().toString().endsWith(".gz")) return buffered;
        try {
            return new GZIPInputStream(buffered, 1 << 16);
        } catch (java.util.zip.ZipException e) {
            throw new IOException("not a gzip file (" + e.getMessage() + ")");
        }
    }

    private void readText(InputStream in, ChunkSink sink) throws IOException, InterruptedException {
        byte[] buf = new byte[CHUNK_BYTES];
        int n = 0;
        while (true) {
            int r = in.readNBytes(buf, n, buf.length - n);
            n += r;
            if (n < buf.length) {  // end of the file
                if (n > 0) emit(buf, n, sink);
                return;
            }
            int cut = cutPoint(buf, n);
            byte[] next = new byte[CHUNK_BYTES];
            System.arraycopy(buf, cut, next, 0, n - cut);
            emit(buf, cut, sink);
            buf = next;
            n = n - cut;
        }
    }

    /**
     * Where a full chunk buffer {@code b[0, n)} of a text file is cut: after a newline followed by a
     * non-space byte, else after any newline, else at a UTF-8 character start. Public so that a reader
     * elsewhere (the Spark trainer) cuts a file exactly where this one does.
     */
    public static int cutPoint(byte[] b, int n) {
        int floor = n / 2;
        for (int i = n - 2; i >= floor; i--) {
            if (b[i] == '\n' && !isSpace(b[i + 1])) return i + 1;
        }
        for (int i = n - 1; i >= floor; i--) if (b[i] == '\n') return i + 1;
        int i = n - 1;
        while (i > n - 4 && (b[i] & 0xC0) == 0x80) i--;
        return i;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x0B || c == 0x0C;
    }

    private void emit(byte[] buf, int n, ChunkSink sink) throws InterruptedException {
        sink.accept(new Chunk(nextIndex++, buf, n, new int[] {n}, 1));
    }

    private void readJsonl(Path f, InputStream in, ChunkSink sink) throws IOException, InterruptedException {
        if (mapper == null) mapper = new ObjectMapper();
        byte[] data = new byte[CHUNK_BYTES + (CHUNK_BYTES >> 2)];
        int used = 0, docs = 0;
        int[] ends = new int[1024];
        LineReader lines = new LineReader(in);
        long lineNo = 0;
        byte[] line;
        while ((line = lines.next()) != null) {
            lineNo++;
            int len = lines.length();
            if (blank(line, len)) continue;
            JsonNode node;
            try {
                node = mapper.readTree(line, 0, len);
            } catch (JsonProcessingException e) {
                throw CortadoException.inFile(f, "line " + lineNo + ": not valid JSON ("
                        + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
            }
            records++;
            JsonNode v = node == null || !node.isObject() ? null : node.get(jsonlField);
            if (v == null || !v.isTextual()) {
                recordsWithoutField++;
                continue;
            }
            byte[] text = v.textValue().getBytes(StandardCharsets.UTF_8);
            if (text.length == 0) continue;
            if (used > 0 && used + text.length > CHUNK_BYTES) {
                sink.accept(new Chunk(nextIndex++, data, used, ends, docs));
                data = new byte[Math.max(CHUNK_BYTES + (CHUNK_BYTES >> 2), text.length)];
                ends = new int[1024];
                used = 0;
                docs = 0;
            }
            if (used + text.length > data.length) data = Arrays.copyOf(data, used + text.length);
            System.arraycopy(text, 0, data, used, text.length);
            used += text.length;
            if (docs == ends.length) ends = Arrays.copyOf(ends, docs * 2);
            ends[docs++] = used;
        }
        if (used > 0) sink.accept(new Chunk(nextIndex++, data, used, ends, docs));
    }

    private static boolean blank(byte[] b, int len) {
        for (int i = 0; i < len; i++) if (!isSpace(b[i])) return false;
        return true;
    }

    /** Lines of bytes without their newline; the returned array is reused. */
    private static final class LineReader {
        private final InputStream in;
        private byte[] line = new byte[1 << 12];
        private int length;

        LineReader(InputStream in) {
            this.in = in;
        }

        byte[] next() throws IOException {
            length = 0;
            int c;
            boolean any = false;
            while ((c = in.read()) >= 0) {
                any = true;
                if (c == '\n') return line;
                if (length == line.length) line = Arrays.copyOf(line, line.length * 2);
                line[length++] = (byte) c;
            }
            return any ? line : null;
        }

        int length() {
            return length;
        }
    }

    private static final class Counting extends FilterInputStream {
        private final LongConsumer onRead;

        Counting(InputStream in, LongConsumer onRead) {
            super(in);
            this.onRead = onRead;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) onRead.accept(1);
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) onRead.accept(n);
            return n;
        }
    }
}
