package dev.cortado.chat;

import com.hubspot.jinjava.objects.SafeString;

import java.util.Map;

/**
 * Python's {@code str()} and {@code repr()} for template values, for what {@code {{ … }}} and the
 * {@code string} filter print: {@code True}/{@code False}, lists and dicts as Python writes them
 * ({@code ['a', True]}). A missing value prints as nothing (Jinjava cannot tell an undefined
 * variable, which Jinja2 prints as nothing, from {@code none}).
 */
final class PyStr {
    private PyStr() {}

    static String str(Object v) {
        if (v == null) return "";
        if (v instanceof CharSequence || v instanceof SafeString || v instanceof Character) return v.toString();
        return repr(v, 0);
    }

    static String repr(Object v, int depth) {
        if (depth > 100) return "...";
        if (v == null) return "None";
        if (v instanceof Boolean b) return b ? "True" : "False";
        if (v instanceof Double || v instanceof Float) return PyJson.floatRepr(((Number) v).doubleValue());
        if (v instanceof Number n) return n.toString();
        if (v instanceof CharSequence || v instanceof SafeString || v instanceof Character) return quote(v.toString());
        if (v instanceof Map<?, ?> m) {
            StringBuilder out = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (out.length() > 1) out.append(", ");
                out.append(repr(e.getKey(), depth + 1)).append(": ").append(repr(e.getValue(), depth + 1));
            }
            return out.append('}').toString();
        }
        if (v instanceof Iterable<?> list) {
            StringBuilder out = new StringBuilder("[");
            for (Object o : list) {
                if (out.length() > 1) out.append(", ");
                out.append(repr(o, depth + 1));
            }
            return out.append(']').toString();
        }
        return v.toString();
    }

    /** Python's string repr: single quotes unless the text has one and no double quote. */
    static String quote(String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(q);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == q) out.append('\\').append(c);
                    else if (c < 0x20 || c == 0x7f) out.append(String.format("\\x%02x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.append(q).toString();
    }
}
