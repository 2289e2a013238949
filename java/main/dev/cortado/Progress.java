package dev.cortado;

/**
 * Progress of long work, reported by the library and drawn by the CLI (a bar with rate and ETA on
 * a terminal, plain log lines otherwise). {@link #NONE} ignores everything.
 */
public interface Progress {
    /** A new phase of {@code total} units (bytes, tokens, …) named {@code what}; total -1 if unknown. */
    void start(String what, long total, String unit);

    /** {@code units} more are done. */
    void advance(long units);

    /** The phase is over. */
    void finish();

    /** A line for the user that does not disturb the bar. */
    default void note(String line) {}

    /** A short live status drawn after the bar (training: step, loss, eval loss, tokens/s). */
    default void status(String text) {}

    Progress NONE = new Progress() {
        @Override
        public void start(String what, long total, String unit) {}

        @Override
        public void advance(long units) {}

        @Override
        public void finish() {}
    };
}
