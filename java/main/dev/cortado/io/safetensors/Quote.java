package dev.cortado.io.safetensors;

/**
 * Makes a string taken from a file safe to put into a one-line error message: control characters
 * are escaped and very long strings are cut, so a hostile tensor name cannot break the line.
 */
final class Quote {
    private Quote() {}

    private static final int MAX = 160;

    static String of(String s) {
        if (s == null) return "null";
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX) + 8).append('"');
        for (int i = 0; i < s.length(); i++) {
            if (sb.length() > MAX) {
                sb.append("...(").append(s.length()).append(" chars)");
                break;
            }
            char c = s.charAt(i);
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20 || c == 0x7f || Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                sb.append(String.format("\\u%04x", (int) c));
            } else sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** A free-text message (e.g. from the JSON parser) folded onto one line. */
    static String line(String s) {
        if (s == null) return "";
        String one = s.replaceAll("[\\p{Cntrl}\\u2028\\u2029]+", " ").trim();
        return one.length() > 300 ? one.substring(0, 300) + "..." : one;
    }
}
