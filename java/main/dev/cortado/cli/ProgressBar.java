package dev.cortado.cli;

import dev.cortado.Progress;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Draws {@link Progress} on stderr: on a terminal a bar with percentage, rate and ETA redrawn at most
 * ten times a second; otherwise a plain line when a phase starts and when it ends.
 */
final class ProgressBar implements Progress {
    private final PrintStream out;
    private final boolean terminal;
    private String what;
    private String unit;
    private long total;
    private long done;
    private long startNanos;
    private long lastDraw;
    private java.util.function.Supplier<String> detail = () -> "";
    private String status = "";

    ProgressBar(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    static ProgressBar stderr() {
        return new ProgressBar(System.err, System.console() != null && !"dumb".equals(System.getenv("TERM")));
    }

    /** Extra live counters drawn after the rate (e.g. words counted, merges done). */
    ProgressBar withDetail(java.util.function.Supplier<String> detail) {
        this.detail = detail;
        return this;
    }

    @Override
    public void start(String what, long total, String unit) {
        this.what = what;
        this.total = total;
        this.unit = unit;
        this.done = 0;
        this.startNanos = System.nanoTime();
        this.lastDraw = 0;
        this.status = "";
        if (!terminal) out.println(what + " ...");
    }

    @Override
    public void advance(long units) {
        done += units;
        if (!terminal) return;
        long now = System.nanoTime();
        if (now - lastDraw < 100_000_000L && done < total) return;
        lastDraw = now;
        draw(now);
    }

    private void draw(long now) {
        double secs = Math.max(1e-9, (now - startNanos) / 1e9);
        double rate = done / secs;
        StringBuilder sb = new StringBuilder("\r").append(what).append(' ');
        if (total > 0) {
            int width = 30;
            int filled = (int) Math.min(width, width * done / Math.max(1, total));
            sb.append('[').append("#".repeat(filled)).append(".".repeat(width - filled)).append("] ");
            sb.append(String.format(Locale.ROOT, "%3d%% ", (int) (100 * done / Math.max(1, total))));
        }
        sb.append(human(done)).append(total > 0 ? "/" + human(total) : "").append(' ');
        sb.append(human((long) rate)).append("/s");
        if (total > 0 && rate > 0 && done < total) sb.append(" ETA ").append(duration((total - done) / rate));
        String d = detail.get();
        if (!d.isEmpty()) sb.append(" | ").append(d);
        if (!status.isEmpty()) sb.append(" | ").append(status);
        sb.append("\u001b[K");
        out.print(sb);
        out.flush();
    }

    @Override
    public void finish() {
        double secs = (System.nanoTime() - startNanos) / 1e9;
        if (terminal) {
            draw(System.nanoTime());
            out.println();
        } else {
            String d = detail.get();
            out.printf(Locale.ROOT, "%s: %s in %.1f s%s%n", what, human(done), secs, d.isEmpty() ? "" : " (" + d + ")");
        }
    }

    @Override
    public void status(String text) {
        status = text == null ? "" : text;
    }

    @Override
    public void note(String line) {
        if (terminal) out.print("\r\u001b[K");
        out.println(line);
    }

    private String human(long n) {
        if (!"B".equals(unit)) return n + (unit == null ? "" : " " + unit);
        return Sizes.bytes(n);
    }

    private static String duration(double s) {
        long t = (long) Math.ceil(s);
        return t >= 3600 ? String.format("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String.format("%d:%02d", t / 60, t % 60);
    }
}
