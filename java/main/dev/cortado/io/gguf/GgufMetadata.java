package dev.cortado.io.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** GGUF key-value metadata, in file order, with typed getters. Keys are like {@code llama.block_count}. */
public final class GgufMetadata {
    private final LinkedHashMap<String, GgufValue> values = new LinkedHashMap<>();

    public GgufMetadata() {}

    public GgufMetadata(GgufMetadata other) {
        values.putAll(other.values);
    }

    public Set<String> keys() {
        return Collections.unmodifiableSet(values.keySet());
    }

    public Map<String, GgufValue> asMap() {
        return Collections.unmodifiableMap(values);
    }

    public int size() {
        return values.size();
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    public GgufValue get(String key) {
        return values.get(key);
    }

    public GgufMetadata put(String key, GgufValue value) {
        values.put(key, value);
        return this;
    }

    public GgufMetadata remove(String key) {
        values.remove(key);
        return this;
    }

    public GgufMetadata putString(String key, String v) {
        return put(key, GgufValue.ofString(v));
    }

    public GgufMetadata putUint32(String key, long v) {
        return put(key, GgufValue.ofUint32(v));
    }

    public GgufMetadata putFloat32(String key, float v) {
        return put(key, GgufValue.ofFloat32(v));
    }

    public GgufMetadata putBool(String key, boolean v) {
        return put(key, GgufValue.ofBool(v));
    }

    /** The string at {@code key}, or null when absent or not a string. */
    public String getString(String key) {
        GgufValue v = values.get(key);
        return v != null && v.type() == GgufValueType.STRING ? (String) v.value() : null;
    }

    /** An integer value (any integer type), or {@code dflt} when absent. */
    public long getLong(String key, long dflt) {
        GgufValue v = values.get(key);
        return v == null || v.isArray() || v.type() == GgufValueType.STRING ? dflt : v.asLong();
    }

    public int getInt(String key, int dflt) {
        long v = getLong(key, dflt);
        return v > Integer.MAX_VALUE || v < Integer.MIN_VALUE ? dflt : (int) v;
    }

    public double getDouble(String key, double dflt) {
        GgufValue v = values.get(key);
        return v == null || v.isArray() || v.type() == GgufValueType.STRING || v.type() == GgufValueType.BOOL
                ? dflt : v.asDouble();
    }

    public boolean getBool(String key, boolean dflt) {
        GgufValue v = values.get(key);
        return v != null && v.value() instanceof Boolean b ? b : dflt;
    }

    public String[] getStringArray(String key) {
        GgufValue v = values.get(key);
        return v != null && v.isArray() && v.value() instanceof String[] a ? a : null;
    }

    public float[] getFloatArray(String key) {
        GgufValue v = values.get(key);
        return v != null && v.isArray() && v.value() instanceof float[] a ? a : null;
    }

    /** An integer array of any 32-bit element type (token types are INT32). */
    public int[] getIntArray(String key) {
        GgufValue v = values.get(key);
        return v != null && v.isArray() && v.value() instanceof int[] a ? a : null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufMetadata m && m.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }
}
