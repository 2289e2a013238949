package dev.cortado.chat;

import java.util.List;

/**
 * Streams generated text while watching for stop strings: text that could still be the start of a
 * stop string is held back until the next piece decides it, and a stop string, once complete, is
 * never printed — only what came before it. One instance per reply.
 */
public final class StopStringFilter {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopStringFilter(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Adds {@code text}; returns what is now safe to print (possibly empty). */
    public String feed(String text) {
        if (stopped || text.isEmpty()) return "";
        pending.append(text);
        int cut = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut >= 0) {
            stopped = true;
            String out = pending.substring(0, cut);
            pending.setLength(0);
            return out;
        }
        int hold = heldBack();
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return out;
    }

    /** True once a stop string has appeared: the reply is over. */
    public boolean stopped() {
        return stopped;
    }

    /** The text still held back (the reply ended without completing a stop string). */
    public String finish() {
        String out = stopped ? "" : pending.toString();
        pending.setLength(0);
        return out;
    }

    /** Length of the longest tail of {@code pending} that is a proper prefix of some stop string. */
    private int heldBack() {
        int best = 0;
        String p = pending.toString();
        int n = p.length();
        for (String s : stops) {
            for (int k = Math.min(n, s.length() - 1); k > best; k--) {
                if (p.regionMatches(n - k, s, 0, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }
}
