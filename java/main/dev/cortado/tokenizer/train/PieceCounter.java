package dev.cortado.tokenizer.train;

/**
 * Counts pre-tokenized pieces exactly as {@code cortado tokenizer train} does, for counting done
 * outside {@link BpeTrainer}: Spark executors count their share of a corpus into one of these, the
 * sums of all shares go into another with {@link #add}, and {@link BpeTrainer#mergeCounted} runs the
 * merge loop on it. Not thread-safe: one per thread.
 */
public final class PieceCounter {
    /** Receives one distinct piece (a fresh array) and its count. */
    @FunctionalInterface
    public interface Sink {
        void accept(byte[] piece, long count);
    }

    private final Pretokenizer pretokenizer;
    private Pretokenizer.Splitter splitter;
    private final WordTable table = new WordTable(1 << 14);
    private final long[] stats = new long[2];  // pieces, invalid UTF-8 bytes

    /** @param pattern gpt2, cl100k, o200k, llama3, or a regex, as {@code --pattern} takes */
    public PieceCounter(String pattern) {
        this.pretokenizer = Patterns.forName(pattern);
    }

    /**
     * Counts the pieces of {@code b[start, end)} as one document: a chunk of a text file as
     * {@link CorpusReader#cutPoint} cuts it, or one JSON Lines record's text. Invalid UTF-8 bytes are
     * pieces of one byte each.
     */
    public void countDocument(byte[] b, int start, int end) {
        if (start < 0 || end > b.length || start > end)
            throw new IllegalArgumentException("range [" + start + ", " + end + ") of " + b.length + " bytes");
        if (splitter == null) splitter = pretokenizer.newSplitter();
        WordCounter.countRange(b, start, end, splitter, pretokenizer.byteSplitter(), table, stats);
    }

    /** Adds {@code count} occurrences of one piece. */
    public void add(byte[] piece, long count) {
        table.add(piece, 0, piece.length, count);
        stats[0] += count;
    }

    /** Every distinct piece with its count, in the order first seen. */
    public void forEach(Sink sink) {
        byte[] arena = table.arena();
        for (int e = 0; e < table.size(); e++) {
            int off = table.offset(e);
            sink.accept(java.util.Arrays.copyOfRange(arena, off, off + table.length(e)), table.count(e));
        }
    }

    /** Distinct pieces. */
    public int distinct() {
        return table.size();
    }

    /** Pieces counted, with repetition. */
    public long pieces() {
        return stats[0];
    }

    /** Bytes that were not valid UTF-8. */
    public long invalidUtf8Bytes() {
        return stats[1];
    }

    /** The table's memory, roughly, in bytes. */
    public long memoryBytes() {
        return table.memoryBytes();
    }

    WordTable table() {
        return table;
    }
}
