package dev.cortado.cli;

import java.util.Locale;

/** Human-readable sizes and counts for the CLI's output. */
final class Sizes {
    private Sizes() {}

    /** 1536 → "1.5 KiB". */
    static String bytes(long n) {
        if (n < 1024) return n + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }

    /** 1234567 → "1.23 M". */
    static String count(long n) {
        if (n < 1000) return Long.toString(n);
        if (n < 1_000_000) return String.format(Locale.ROOT, "%.1f K", n / 1e3);
        if (n < 1_000_000_000) return String.format(Locale.ROOT, "%.2f M", n / 1e6);
        return String.format(Locale.ROOT, "%.2f B", n / 1e9);
    }
}
