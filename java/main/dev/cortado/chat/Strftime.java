package dev.cortado.chat;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Python's {@code datetime.strftime} for the directives chat templates use ({@code %Y %m %d %B %b
 * %A %a %H %M %S %I %p %y %j %e %%}, and glibc's {@code %-d} to drop the padding), in English as
 * a C locale would print them.
 */
final class Strftime {
    private Strftime() {}

    static String format(LocalDateTime t, String pattern) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 == pattern.length()) {
                out.append(c);
                continue;
            }
            char d = pattern.charAt(++i);
            boolean pad = true;
            if (d == '-' && i + 1 < pattern.length()) {
                pad = false;
                d = pattern.charAt(++i);
            }
            switch (d) {
                case 'Y' -> out.append(t.getYear());
                case 'y' -> number(out, t.getYear() % 100, 2, pad);
                case 'm' -> number(out, t.getMonthValue(), 2, pad);
                case 'd' -> number(out, t.getDayOfMonth(), 2, pad);
                case 'e' -> out.append(pad && t.getDayOfMonth() < 10 ? " " : "").append(t.getDayOfMonth());
                case 'j' -> number(out, t.getDayOfYear(), 3, pad);
                case 'H' -> number(out, t.getHour(), 2, pad);
                case 'I' -> number(out, (t.getHour() + 11) % 12 + 1, 2, pad);
                case 'M' -> number(out, t.getMinute(), 2, pad);
                case 'S' -> number(out, t.getSecond(), 2, pad);
                case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
                case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'b', 'h' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case '%' -> out.append('%');
                default -> out.append('%').append(pad ? "" : "-").append(d);
            }
        }
        return out.toString();
    }

    private static void number(StringBuilder out, int value, int width, boolean pad) {
        String s = Integer.toString(value);
        if (pad) out.append("0".repeat(Math.max(0, width - s.length())));
        out.append(s);
    }
}
