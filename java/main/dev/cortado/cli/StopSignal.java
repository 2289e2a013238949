package dev.cortado.cli;

/**
 * Ctrl-C during long work that must end cleanly (training): the first SIGINT runs {@code onStop}
 * (which asks the work to stop at a safe point); a second one exits at once with status 130. The
 * previous handler comes back on close. Where the JVM gives no signal API, Ctrl-C keeps its default.
 */
final class StopSignal implements AutoCloseable {
    private final Object previous;
    private volatile boolean asked;

    private StopSignal(Runnable onStop) {
        Object prev = null;
        try {
            prev = sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {
                if (asked) Runtime.getRuntime().halt(130);
                asked = true;
                onStop.run();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            // no SIGINT handling here: Ctrl-C ends the JVM; the last checkpoint stays loadable
        }
        previous = prev;
    }

    static StopSignal install(Runnable onStop) {
        return new StopSignal(onStop);
    }

    @Override
    public void close() {
        if (previous != null) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("INT"), (sun.misc.SignalHandler) previous);
            } catch (IllegalArgumentException e) {
                // leave the handler as it is
            }
        }
    }
}
