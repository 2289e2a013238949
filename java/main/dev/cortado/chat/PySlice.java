package dev.cortado.chat;

import com.hubspot.jinjava.objects.collections.PyList;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;

/** Python's {@code seq[start:stop:step]} on lists, strings and arrays; bounds may be null or negative. */
final class PySlice {
    private PySlice() {}

    static Object slice(Object base, Object[] args) {
        Long start = bound(args, 0), stop = bound(args, 1), step = bound(args, 2);
        long st = step == null ? 1 : step;
        if (st == 0) throw new IllegalArgumentException("slice step cannot be zero");
        if (base instanceof CharSequence || base instanceof com.hubspot.jinjava.objects.SafeString) {
            String s = base.toString();
            StringBuilder out = new StringBuilder();
            for (int i : indices(s.length(), start, stop, st)) out.append(s.charAt(i));
            return out.toString();
        }
        List<Object> items = new ArrayList<>();
        if (base instanceof Iterable<?> it) {
            for (Object o : it) items.add(o);
        } else if (base != null && base.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(base); i++) items.add(Array.get(base, i));
        } else {
            throw new IllegalArgumentException("cannot slice " + (base == null ? "none" : base.getClass().getSimpleName()));
        }
        List<Object> out = new ArrayList<>();
        for (int i : indices(items.size(), start, stop, st)) out.add(items.get(i));
        return new PyList(out);
    }

    private static Long bound(Object[] args, int i) {
        if (i >= args.length || args[i] == null) return null;
        if (args[i] instanceof Number n) return n.longValue();
        throw new IllegalArgumentException("slice indices must be integers, not " + args[i]);
    }

    /** The indices a slice selects, as CPython's PySlice_AdjustIndices computes them. */
    static int[] indices(int length, Long start, Long stop, long step) {
        long lo, hi;
        if (step > 0) {
            lo = start == null ? 0 : clamp(start < 0 ? start + length : start, 0, length);
            hi = stop == null ? length : clamp(stop < 0 ? stop + length : stop, 0, length);
        } else {
            lo = start == null ? length - 1 : clamp(start < 0 ? start + length : start, -1, length - 1);
            hi = stop == null ? -1 : clamp(stop < 0 ? stop + length : stop, -1, length - 1);
        }
        List<Integer> picked = new ArrayList<>();
        for (long i = lo; step > 0 ? i < hi : i > hi; i += step) picked.add((int) i);
        return picked.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long clamp(long v, long min, long max) {
        return Math.max(min, Math.min(max, v));
    }
}
