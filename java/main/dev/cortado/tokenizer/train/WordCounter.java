package dev.cortado.tokenizer.train;

import dev.cortado.CortadoException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts pre-tokenized pieces over all cores: the reader cuts the input into chunks, each thread
 * counts a chunk into its own {@link WordTable}, and the chunk tables are folded into one in chunk
 * order, so the result (and any pruning) is the same whatever the thread count. When the table
 * outgrows the memory budget, pieces seen fewer than a doubling threshold of times are dropped and
 * the loss is reported.
 */
final class WordCounter {
    private final Pretokenizer pretokenizer;
    private final int threads;
    private final double heldOutFraction;
    private final long memoryBudget;
    private final String jsonlField;
    private final long seed;
    final AtomicLong rawBytesRead = new AtomicLong();
    final AtomicLong piecesCounted = new AtomicLong();
    volatile long distinctWords;

    WordCounter(Pretokenizer pretokenizer, int threads, double heldOutFraction, long memoryBudget, String jsonlField,
                long seed) {
        this.pretokenizer = pretokenizer;
        this.threads = threads;
        this.heldOutFraction = heldOutFraction;
        this.memoryBudget = memoryBudget;
        this.jsonlField = jsonlField;
        this.seed = seed;
    }

    private record ChunkCounts(WordTable words, WordTable heldOut, long trainingBytes, long heldOutBytes,
                               long pieces, long invalid, int docs) {}

    WordCounts count(List<Path> files, java.util.function.LongConsumer progressBytes) {
        WordTable total = new WordTable(1 << 16), heldOut = new WordTable(1 << 12);
        long[] sums = new long[5];  // training bytes, held-out bytes, pieces, invalid, docs
        long[] pruned = new long[3];
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "cortado-count");
            t.setDaemon(true);
            return t;
        });
        ThreadLocal<Pretokenizer.Splitter> splitters = ThreadLocal.withInitial(pretokenizer::newSplitter);
        ArrayDeque<Future<ChunkCounts>> inFlight = new ArrayDeque<>();
        CorpusReader reader = new CorpusReader(jsonlField);
        try {
            reader.read(files, n -> {
                rawBytesRead.addAndGet(n);
                progressBytes.accept(n);
            }, chunk -> {
                inFlight.add(pool.submit(() -> countChunk(chunk, splitters.get())));
                while (inFlight.size() > 2 * threads) fold(inFlight.poll(), total, heldOut, sums, pruned);
            });
            while (!inFlight.isEmpty()) fold(inFlight.poll(), total, heldOut, sums, pruned);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CortadoException("interrupted while counting words");
        } finally {
            pool.shutdownNow();
        }
        if (reader.records() > 0 && reader.records() == reader.recordsWithoutField())
            throw new CortadoException("no JSON Lines record has a text field \"" + jsonlField + "\" (--jsonl-field)");
        return new WordCounts(total, heldOut, sums[0], sums[1], sums[2], sums[3], sums[4], pruned[0], pruned[1], pruned[2]);
    }

    private void fold(Future<ChunkCounts> f, WordTable total, WordTable heldOut, long[] sums, long[] pruned)
            throws InterruptedException {
        ChunkCounts c;
        try {
            c = f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        }
        total.addAll(c.words);
        heldOut.addAll(c.heldOut);
        sums[0] += c.trainingBytes;
        sums[1] += c.heldOutBytes;
        sums[2] += c.pieces;
        sums[3] += c.invalid;
        sums[4] += c.docs;
        while (total.memoryBytes() + heldOut.memoryBytes() > memoryBudget && total.size() > 0) {
            pruned[2] = Math.max(2, pruned[2] * 2);
            long[] d = total.pruneBelow(pruned[2]);
            long[] h = heldOut.pruneBelow(pruned[2]);
            pruned[0] += d[0];
            pruned[1] += d[1];
            if (d[0] == 0 && h[0] == 0) break;
        }
        distinctWords = total.size();
    }

    /**
     * The held-out slice of a chunk, {start, end}: about {@code heldOutFraction} of it, from a line or
     * document start at a place the seed and the chunk's index choose, to the next line or document
     * start. Empty ({length, length}) when nothing is held out.
     */
    int[] heldOutRange(Chunk c) {
        int len = c.length();
        if (heldOutFraction <= 0) return new int[] {len, len};
        int want = (int) Math.ceil(len * heldOutFraction);
        long z = mix(seed ^ mix(c.index() + 0x632BE59BD9B4E019L));
        int from = (int) Long.remainderUnsigned(z, Math.max(1, len - want + 1));
        int p = nextBoundary(c, from);
        int q = p >= len ? len : nextBoundary(c, p + want);
        return new int[] {p, q};
    }

    private static int nextBoundary(Chunk c, int from) {
        int d = 0;
        for (int i = Math.max(0, from); i < c.length(); i++) {
            if (i == 0) return 0;
            while (d < c.docCount() && c.docEnds()[d] < i) d++;
            if (c.data()[i - 1] == '\n' || (d < c.docCount() && c.docEnds()[d] == i)) return i;
        }
        return c.length();
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private ChunkCounts countChunk(Chunk c, Pretokenizer.Splitter splitter) {
        WordTable words = new WordTable(1 << 14), held = new WordTable(256);
        int[] h = heldOutRange(c);
        long[] stats = new long[2];  // pieces, invalid
        Pretokenizer.ByteSplitter bytes = pretokenizer.byteSplitter();
        int start = 0;
        for (int d = 0; d < c.docCount(); d++) {
            int end = c.docEnds()[d];
            if (start < Math.min(end, h[0])) countRange(c.data(), start, Math.min(end, h[0]), splitter, bytes, words, stats);
            if (Math.max(start, h[1]) < end) countRange(c.data(), Math.max(start, h[1]), end, splitter, bytes, words, stats);
            long piecesBefore = stats[0];
            int hs = Math.max(start, h[0]), he = Math.min(end, h[1]);
            if (hs < he) countRange(c.data(), hs, he, splitter, bytes, held, stats);
            stats[0] = piecesBefore;  // held-out pieces are not training pieces
            start = end;
        }
        piecesCounted.addAndGet(stats[0]);
        int heldBytes = h[1] - h[0];
        return new ChunkCounts(words, held, c.length() - heldBytes, heldBytes, stats[0], stats[1], c.docCount());
    }

    /** Splits the valid UTF-8 runs of {@code b[start, end)} with the pattern; each invalid byte is a piece of its own. */
    static void countRange(byte[] b, int start, int end, Pretokenizer.Splitter splitter, Pretokenizer.ByteSplitter bytes,
                           WordTable table, long[] stats) {
        int runStart = start, i = start;
        Encoder enc = new Encoder(table, stats);
        while (i < end) {
            if (b[i] >= 0) {
                i++;
                continue;
            }
            int n = Utf8.sequenceLength(b, i, end);
            if (n > 0) {
                i += n;
                continue;
            }
            if (i > runStart) splitValid(b, runStart, i, splitter, bytes, enc, table, stats);
            table.add(b, i, 1, 1);
            stats[0]++;
            stats[1]++;
            runStart = ++i;
        }
        if (end > runStart) splitValid(b, runStart, end, splitter, bytes, enc, table, stats);
    }

    /** Counts the pieces of the valid UTF-8 run {@code b[start, end)}: on the bytes when the pattern has a scanner. */
    private static void splitValid(byte[] b, int start, int end, Pretokenizer.Splitter splitter,
                                   Pretokenizer.ByteSplitter bytes, Encoder enc, WordTable table, long[] stats) {
        if (bytes == null) {
            splitter.split(new String(b, start, end - start, StandardCharsets.UTF_8), enc);
            return;
        }
        for (int p = start; p < end; ) {
            int q = bytes.next(b, p, end);
            table.add(b, p, q - p, 1);
            stats[0]++;
            p = q;
        }
    }

    /** Turns each piece back into UTF-8 and counts it. */
    private static final class Encoder implements Pretokenizer.PieceSink {
        private final WordTable table;
        private final long[] stats;
        private byte[] scratch = new byte[256];

        Encoder(WordTable table, long[] stats) {
            this.table = table;
            this.stats = stats;
        }

        @Override
        public void piece(CharSequence text, int start, int end) {
            if (3 * (end - start) > scratch.length) scratch = new byte[3 * (end - start)];
            int n = Utf8.encode(text, start, end, scratch);
            table.add(scratch, 0, n, 1);
            stats[0]++;
        }
    }
}
