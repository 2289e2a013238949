package dev.cortado.io.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One GGUF metadata value with its exact type, so that a file read and written again keeps every
 * type. Java representation of {@code value}:
 * <ul>
 *   <li>UINT8/INT8/UINT16/INT16/UINT32/INT32/UINT64/INT64: {@code Long} (unsigned ones as their
 *       unsigned value; UINT64 as the raw 64 bits);</li>
 *   <li>FLOAT32: {@code Float}; FLOAT64: {@code Double}; BOOL: {@code Boolean}; STRING: {@code String};</li>
 *   <li>ARRAY: a primitive array by element type: UINT8/INT8 {@code byte[]}, UINT16/INT16 {@code short[]},
 *       UINT32/INT32 {@code int[]}, UINT64/INT64 {@code long[]}, FLOAT32 {@code float[]}, FLOAT64
 *       {@code double[]}, BOOL {@code boolean[]}, STRING {@code String[]}, ARRAY {@code GgufValue[]}
 *       (each element itself an ARRAY value).</li>
 * </ul>
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {
    public GgufValue {
        Objects.requireNonNull(type);
        Objects.requireNonNull(value);
        if (type == GgufValueType.ARRAY) Objects.requireNonNull(elementType, "array element type");
    }

    public static GgufValue ofString(String s) {
        return new GgufValue(GgufValueType.STRING, null, s);
    }

    public static GgufValue ofUint32(long v) {
        return new GgufValue(GgufValueType.UINT32, null, v);
    }

    public static GgufValue ofInt32(long v) {
        return new GgufValue(GgufValueType.INT32, null, v);
    }

    public static GgufValue ofUint64(long v) {
        return new GgufValue(GgufValueType.UINT64, null, v);
    }

    public static GgufValue ofFloat32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, null, v);
    }

    public static GgufValue ofBool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, null, v);
    }

    public static GgufValue ofStrings(String[] v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING, v);
    }

    public static GgufValue ofFloats(float[] v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT32, v);
    }

    public static GgufValue ofInt32s(int[] v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.INT32, v);
    }

    public boolean isArray() {
        return type == GgufValueType.ARRAY;
    }

    /** Number of elements of an array value (1 for a scalar). */
    public int length() {
        if (!isArray()) return 1;
        return java.lang.reflect.Array.getLength(value);
    }

    /** Integer scalars as long, floats truncated; throws for other types. */
    public long asLong() {
        if (value instanceof Long l) return l;
        if (value instanceof Float f) return f.longValue();
        if (value instanceof Double d) return d.longValue();
        if (value instanceof Boolean b) return b ? 1 : 0;
        throw new IllegalStateException("not a number: " + type);
    }

    public double asDouble() {
        if (value instanceof Long l) return l;
        if (value instanceof Float f) return f;
        if (value instanceof Double d) return d;
        throw new IllegalStateException("not a number: " + type);
    }

    /** A short human-readable rendering (arrays abbreviated). */
    public String describe() {
        if (!isArray()) return type == GgufValueType.STRING ? "\"" + value + "\"" : String.valueOf(value);
        int n = length();
        StringBuilder sb = new StringBuilder("[").append(elementType.name().toLowerCase()).append(" x ").append(n);
        if (n > 0) {
            sb.append(": ");
            for (int i = 0; i < Math.min(n, 4); i++) {
                Object e = java.lang.reflect.Array.get(value, i);
                sb.append(i > 0 ? ", " : "").append(e instanceof String s ? "\"" + s + "\"" : e instanceof GgufValue g ? g.describe() : e);
            }
            if (n > 4) sb.append(", …");
        }
        return sb.append("]").toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof GgufValue g) || g.type != type || g.elementType != elementType) return false;
        return Arrays.deepEquals(new Object[] {value}, new Object[] {g.value});
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, elementType, Arrays.deepHashCode(new Object[] {value}));
    }
}
