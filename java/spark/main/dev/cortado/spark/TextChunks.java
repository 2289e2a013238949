package dev.cortado.spark;

import dev.cortado.CortadoException;
import dev.cortado.tokenizer.train.CorpusReader;
import dev.cortado.tokenizer.train.PieceCounter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Plain text files cut into the very chunks {@code cortado tokenizer train} cuts them into (pieces
 * never cross a cut, so the cuts decide the counts). The driver finds the cuts by reading a few
 * kilobytes before each 1 MiB mark; executors count runs of chunks. A .gz file cannot be entered in
 * the middle: one task reads it whole and cuts it as it goes.
 */
final class TextChunks {
    private static final int CHUNK = CorpusReader.CHUNK_BYTES;
    private static final int TAIL = 8 << 10;

    private TextChunks() {}

    /** A run of chunks of one file: chunk k is [ends[k-1], ends[k]) with ends[-1] = start; gz: the whole file. */
    static final class Work implements Serializable {  // a class, not a record: Spark's Kryo cannot build records
        private String path;
        private long start;
        private long[] ends;
        private boolean gz;

        Work() {}

        Work(String path, long start, long[] ends, boolean gz) {
            this.path = path;
            this.start = start;
            this.ends = ends;
            this.gz = gz;
        }

        String path() { return path; }

        long start() { return start; }

        long[] ends() { return ends; }

        boolean gz() { return gz; }
    }

    /** The work for one file: runs of up to {@code chunksPerTask} chunks. */
    static List<Work> plan(Path file, long length, int chunksPerTask, Configuration conf) {
        List<Work> out = new ArrayList<>();
        if (file.getName().endsWith(".gz")) {
            out.add(new Work(file.toString(), 0, new long[] {-1}, true));
            return out;
        }
        List<Long> ends = new ArrayList<>();
        byte[] window = new byte[CHUNK];
        try (FSDataInputStream in = SparkJobs.fs(file, conf).open(file)) {
            long s = 0;
            while (length - s >= CHUNK) {
                in.readFully(s + CHUNK - TAIL, window, CHUNK - TAIL, TAIL);
                int cut = tailCut(window);
                if (cut < 0) {  // no newline before a word in the last few KB: decide on the whole window
                    in.readFully(s, window, 0, CHUNK);
                    cut = CorpusReader.cutPoint(window, CHUNK);
                }
                s += cut;
                ends.add(s);
            }
            if (s < length) ends.add(length);
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        }
        long start = 0;
        for (int i = 0; i < ends.size(); i += chunksPerTask) {
            long[] run = new long[Math.min(chunksPerTask, ends.size() - i)];
            for (int k = 0; k < run.length; k++) run[k] = ends.get(i + k);
            out.add(new Work(file.toString(), start, run, false));
            start = run[run.length - 1];
        }
        return out;
    }

    /** {@link CorpusReader#cutPoint}'s first rule within the tail: the last newline followed by a non-space byte, or -1. */
    private static int tailCut(byte[] b) {
        for (int i = CHUNK - 2; i >= CHUNK - TAIL; i--) if (b[i] == '\n' && !isSpace(b[i + 1])) return i + 1;
        return -1;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x0B || c == 0x0C;
    }

    /** Counts one run of chunks into {@code counter}; returns the bytes read. */
    static long count(Work w, PieceCounter counter, Configuration conf) {
        Path file = new Path(w.path());
        FileSystem fs = SparkJobs.fs(file, conf);
        byte[] buf = new byte[CHUNK];
        try {
            if (w.gz()) {
                try (InputStream in = new GZIPInputStream(fs.open(file), 1 << 16)) {
                    return countStream(in, buf, counter);
                }
            }
            try (FSDataInputStream in = fs.open(file)) {
                long s = w.start();
                for (long e : w.ends()) {
                    int n = (int) (e - s);
                    in.readFully(s, buf, 0, n);
                    counter.countDocument(buf, 0, n);
                    s = e;
                }
                return s - w.start();
            }
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        }
    }

    /** The single-machine reader's loop: fill a chunk, cut it, carry the rest over. */
    private static long countStream(InputStream in, byte[] buf, PieceCounter counter) throws IOException {
        long total = 0;
        int n = 0;
        while (true) {
            int r = in.readNBytes(buf, n, buf.length - n);
            n += r;
            total += r;
            if (n < buf.length) {
                if (n > 0) counter.countDocument(buf, 0, n);
                return total;
            }
            int cut = CorpusReader.cutPoint(buf, n);
            counter.countDocument(buf, 0, cut);
            byte[] rest = Arrays.copyOfRange(buf, cut, n);
            System.arraycopy(rest, 0, buf, 0, rest.length);
            n = rest.length;
        }
    }
}
