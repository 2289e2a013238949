package dev.cortado.chat;

import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.objects.collections.PyList;
import com.hubspot.jinjava.util.ForLoop;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;
import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * An EL resolver, first in Jinjava's chain, that gives template values the Python methods chat
 * templates call on them: {@code str.strip/lstrip/rstrip/split/rsplit/startswith/endswith/replace/
 * upper/lower/title/capitalize/find/count/join/splitlines}, {@code dict.items/keys/values/get}, and
 * {@code __slice__} (what {@link JinjaSource} makes of {@code x[a:b:c]}), and
 * {@code loop.previtem}/{@code loop.nextitem} (from {@link ChatForTag}'s list of the items). Jinjava
 * would otherwise look these up as Java methods, which strings lack or its allow-list refuses.
 */
final class PythonMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
        if (base == null || method == null) return null;
        Object[] args = params == null ? new Object[0] : params;
        String name = method.toString();
        Object result;
        if (name.equals("__slice__")) {
            result = PySlice.slice(base, args);
        } else if (base instanceof String || base instanceof SafeString) {
            result = stringMethod(base.toString(), name, args);
        } else if (base instanceof Map<?, ?> map) {
            result = mapMethod(map, name, args);
        } else {
            return null;
        }
        if (result == NONE) return null;
        context.setPropertyResolved(true);
        return result;
    }

    /** Marks "not a method this resolver knows" (null is a real result: dict.get of a missing key). */
    private static final Object NONE = new Object();

    private static Object stringMethod(String s, String name, Object[] a) {
        return switch (name) {
            case "strip" -> strip(s, arg(a, 0), true, true);
            case "lstrip" -> strip(s, arg(a, 0), true, false);
            case "rstrip" -> strip(s, arg(a, 0), false, true);
            case "upper" -> s.toUpperCase(java.util.Locale.ROOT);
            case "lower" -> s.toLowerCase(java.util.Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + s.substring(1).toLowerCase(java.util.Locale.ROOT);
            case "startswith" -> affix(s, a, true);
            case "endswith" -> affix(s, a, false);
            case "replace" -> replace(s, str(a, 0), str(a, 1), a.length > 2 ? ((Number) a[2]).intValue() : -1);
            case "split" -> split(s, arg(a, 0), a.length > 1 ? ((Number) a[1]).intValue() : -1);
            case "rsplit" -> rsplit(s, arg(a, 0), a.length > 1 ? ((Number) a[1]).intValue() : -1);
            case "splitlines" -> splitlines(s);
            case "find" -> (long) s.indexOf(str(a, 0), a.length > 1 ? ((Number) a[1]).intValue() : 0);
            case "rfind" -> (long) s.lastIndexOf(str(a, 0));
            case "count" -> count(s, str(a, 0));
            case "join" -> join(s, a.length > 0 ? a[0] : null);
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(Character::isWhitespace);
            case "isalpha" -> !s.isEmpty() && s.chars().allMatch(Character::isLetter);
            default -> NONE;
        };
    }

    private static Object mapMethod(Map<?, ?> map, String name, Object[] a) {
        switch (name) {
            case "items": {
                List<Object> items = new ArrayList<>();
                for (Map.Entry<?, ?> e : map.entrySet()) items.add(new PyList(new ArrayList<>(java.util.Arrays.asList(e.getKey(), e.getValue()))));
                return new PyList(items);
            }
            case "keys":
                return new PyList(new ArrayList<>(map.keySet()));
            case "values":
                return new PyList(new ArrayList<>(map.values()));
            case "get": {
                if (a.length == 0) return NONE;
                Object v = map.get(a[0]);
                return v != null || map.containsKey(a[0]) ? v : (a.length > 1 ? a[1] : null);
            }
            default:
                return NONE;
        }
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (base instanceof ForLoop loop && property != null) {
            String p = property.toString();
            if (p.equals("previtem") || p.equals("nextitem")) {
                context.setPropertyResolved(true);
                return ChatForTag.neighbour(loop, p.equals("previtem") ? -1 : 1);
            }
        }
        return null;
    }

    private static Object arg(Object[] a, int i) {
        return i < a.length ? a[i] : null;
    }

    private static String str(Object[] a, int i) {
        if (i >= a.length || a[i] == null) throw new IllegalArgumentException("missing string argument " + (i + 1));
        return a[i].toString();
    }

    private static String strip(String s, Object chars, boolean left, boolean right) {
        String set = chars == null ? null : chars.toString();
        int b = 0, e = s.length();
        if (left) while (b < e && strips(s.charAt(b), set)) b++;
        if (right) while (e > b && strips(s.charAt(e - 1), set)) e--;
        return s.substring(b, e);
    }

    private static boolean strips(char c, String set) {
        return set == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : set.indexOf(c) >= 0;
    }

    private static boolean affix(String s, Object[] a, boolean start) {
        Object p = arg(a, 0);
        if (p instanceof Iterable<?> options) {
            for (Object o : options) if (start ? s.startsWith(o.toString()) : s.endsWith(o.toString())) return true;
            return false;
        }
        if (p == null) return false;
        return start ? s.startsWith(p.toString()) : s.endsWith(p.toString());
    }

    private static String replace(String s, String old, String with, int count) {
        if (count < 0) return s.replace(old, with);
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int n = 0; n < count; n++) {
            int at = old.isEmpty() ? (from <= s.length() && n <= s.length() ? from : -1) : s.indexOf(old, from);
            if (at < 0) break;
            out.append(s, from, at).append(with);
            from = at + old.length();
            if (old.isEmpty()) {
                if (from < s.length()) out.append(s.charAt(from));
                from++;
            }
        }
        if (from < s.length()) out.append(s, from, s.length());
        return out.toString();
    }

    /** Python's str.split: on runs of whitespace without a separator, else on each separator. */
    private static PyList split(String s, Object sep, int max) {
        List<Object> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && Character.isWhitespace(s.charAt(i))) i++;
                if (i >= n) break;
                if (max >= 0 && parts.size() == max) {
                    parts.add(s.substring(i).stripTrailing());
                    break;
                }
                int j = i;
                while (j < n && !Character.isWhitespace(s.charAt(j))) j++;
                parts.add(s.substring(i, j));
                i = j;
            }
        } else {
            String d = sep.toString();
            if (d.isEmpty()) throw new IllegalArgumentException("empty separator");
            int from = 0;
            while (max < 0 || parts.size() < max) {
                int at = s.indexOf(d, from);
                if (at < 0) break;
                parts.add(s.substring(from, at));
                from = at + d.length();
            }
            parts.add(s.substring(from));
        }
        return new PyList(parts);
    }

    private static PyList rsplit(String s, Object sep, int max) {
        if (sep == null || max < 0) return split(s, sep, max);
        String d = sep.toString();
        if (d.isEmpty()) throw new IllegalArgumentException("empty separator");
        List<Object> parts = new ArrayList<>();
        int end = s.length();
        while (parts.size() < max) {
            int at = s.lastIndexOf(d, end - d.length());
            if (at < 0) break;
            parts.add(0, s.substring(at + d.length(), end));
            end = at;
        }
        parts.add(0, s.substring(0, end));
        return new PyList(parts);
    }

    private static PyList splitlines(String s) {
        List<Object> lines = new ArrayList<>(List.of((Object[]) s.split("\r\n|\r|\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).toString().isEmpty()) lines.remove(lines.size() - 1);
        return new PyList(lines);
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) return s.length() + 1L;
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
        return n;
    }

    private static String join(String sep, Object items) {
        if (items == null) return "";
        StringBuilder out = new StringBuilder();
        Iterator<?> it = items instanceof Iterable<?> i ? i.iterator() : List.of(items).iterator();
        while (it.hasNext()) {
            out.append(it.next());
            if (it.hasNext()) out.append(sep);
        }
        return out.toString();
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(prevCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            prevCased = Character.isLetter(c);
        }
        return out.toString();
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
