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

    /** One thread's splitter. */
    interface Splitter {
        void split(CharSequence text, PieceSink sink);
    }
}
