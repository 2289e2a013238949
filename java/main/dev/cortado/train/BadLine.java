package dev.cortado.train;

/** A problem with one line of a data file; {@link FinetuneData} reports it or, with skipBad, skips the line. */
final class BadLine extends RuntimeException {
    final long line;

    BadLine(long line, String problem) {
        super(problem, null, false, false);
        this.line = line;
    }
}
