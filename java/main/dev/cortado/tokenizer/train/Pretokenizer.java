package dev.cortado.tokenizer.train;

/**
 * Splits text into the pieces BPE merges never cross (GPT-2's "words"). A small interface so that a
 * hand-coded splitter can replace the regex one for a known pattern; implementations must be
 * thread-safe or cheap to create per thread ({@link #newSplitter()}).
 */
public interface Pretokenizer {
    /** Receives each piece as the char range [start, end) of the text. */
    @FunctionalInterface
    interface PieceSink {
        void piece(CharSequence text, int start, int end);
    }

    /** A splitter for one thread (it may keep per-thread state such as a reusable matcher). */
    Splitter newSplitter();

    /** The regex Hugging Face's Split pre-tokenizer applies, or null for GPT-2's ByteLevel built-in one. */
    String hfSplitRegex();

    /** The pattern's source text, for the summary. */
    String pattern();

    /**
     * A hand-written scanner over UTF-8 bytes that finds exactly the pieces the pattern finds, or null
     * when the pattern has none (then {@link #newSplitter()} is used on decoded text). Counting with it
     * skips decoding to UTF-16 and encoding back, and java.util.regex's backtracking.
     */
    default ByteSplitter byteSplitter() {
        return null;
    }

    /** See {@link #byteSplitter()}; must be thread-safe. */
    @FunctionalInterface
    interface ByteSplitter {
        /** The end of the piece that starts at {@code i < end} in valid UTF-8 {@code b[0, end)}. */
        int next(byte[] b, int i, int end);
    }

    /** One thread's splitter. */
    interface Splitter {
        void split(CharSequence text, PieceSink sink);
    }
}
