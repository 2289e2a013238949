package dev.cortado.chat;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Python's {@code json.dumps(obj, ensure_ascii=False, indent=…, separators=…)}, the way Hugging
 * Face's {@code tojson} filter calls it: {@code ", "} and {@code ": "} between items on one line;
 * with an indent, {@code ","} at line ends; non-ASCII text kept as it is, control characters
 * escaped; floats as Python's {@code repr} prints them.
 */
final class PyJson {
    private final String indent;       // null: one line
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final StringBuilder out = new StringBuilder();

    private PyJson(String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        this.indent = indent;
        this.itemSeparator = itemSeparator;
        this.keySeparator = keySeparator;
        this.sortKeys = sortKeys;
    }

    /** {@code indent}: null, a count of spaces or a string; {@code separators}: null or a pair. */
    static String dumps(Object value, Object indent, Object separators, boolean sortKeys) {
        String ind = indent == null ? null
                : indent instanceof Number n ? " ".repeat(Math.max(0, n.intValue())) : indent.toString();
        String item = ind == null ? ", " : ",";
        String key = ": ";
        if (separators instanceof Iterable<?> pair) {
            var it = pair.iterator();
            if (it.hasNext()) item = String.valueOf(it.next());
            if (it.hasNext()) key = String.valueOf(it.next());
        }
        PyJson w = new PyJson(ind, item, key, sortKeys);
        w.write(value, 0);
        return w.out.toString();
    }

    private void write(Object v, int depth) {
        if (depth > 200) throw new IllegalArgumentException("tojson: value nested over 200 deep");
        if (v == null) {
            out.append("null");
        } else if (v instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float) {
            out.append(floatRepr(((Number) v).doubleValue()));
        } else if (v instanceof BigDecimal d) {
            out.append(floatRepr(d.doubleValue()));
        } else if (v instanceof Number n) {
            out.append(n);
        } else if (v instanceof CharSequence || v instanceof Character) {
            string(v.toString());
        } else if (v instanceof Map<?, ?> m) {
            map(m, depth);
        } else if (v instanceof Iterable<?> list) {
            open('[', depth);
            boolean first = true;
            for (Object e : list) {
                if (!first) out.append(itemSeparator);
                newline(depth + 1);
                write(e, depth + 1);
                first = false;
            }
            close(']', depth, first);
        } else if (v.getClass().isArray()) {
            java.util.List<Object> items = new java.util.ArrayList<>();
            for (int i = 0; i < Array.getLength(v); i++) items.add(Array.get(v, i));
            write(items, depth);
        } else {
            string(v.toString());
        }
    }

    private void map(Map<?, ?> m, int depth) {
        open('{', depth);
        var entries = new java.util.ArrayList<Map.Entry<?, ?>>(m.entrySet());
        if (sortKeys) entries.sort((a, b) -> key(a.getKey()).compareTo(key(b.getKey())));
        boolean first = true;
        for (Map.Entry<?, ?> e : entries) {
            if (!first) out.append(itemSeparator);
            newline(depth + 1);
            string(key(e.getKey()));
            out.append(keySeparator);
            write(e.getValue(), depth + 1);
            first = false;
        }
        close('}', depth, first);
    }

    private static String key(Object k) {
        if (k == null) return "null";
        if (k instanceof Boolean b) return b ? "true" : "false";
        if (k instanceof Double || k instanceof Float) return floatRepr(((Number) k).doubleValue());
        return k.toString();
    }

    private void open(char c, int depth) {
        out.append(c);
    }

    private void close(char c, int depth, boolean empty) {
        if (!empty) newline(depth);
        out.append(c);
    }

    private void newline(int depth) {
        if (indent != null) out.append('\n').append(indent.repeat(depth));
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }

    /** Python's float repr: shortest digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal b = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = b.precision() - b.scale() - 1;
        if (exponent < -4 || exponent >= 16) {
            String digits = b.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                    + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
        }
        String plain = b.toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }
}
