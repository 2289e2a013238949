package dev.cortado.io.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Builds a GGUF header in memory: little-endian scalars, strings and typed metadata values. */
final class GgufEncoder {
    private byte[] buf = new byte[1 << 16];
    private int size;

    int size() {
        return size;
    }

    ByteBuffer toByteBuffer() {
        return ByteBuffer.wrap(buf, 0, size);
    }

    private void ensure(int more) {
        if (more > Integer.MAX_VALUE - 8 - size) throw new IllegalArgumentException("GGUF header over 2 GiB");
        if (size + more > buf.length) buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 8L, Math.max(2L * buf.length, size + more)));
    }

    void u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
    }

    void u16(int v) {
        ensure(2);
        buf[size++] = (byte) v;
        buf[size++] = (byte) (v >>> 8);
    }

    void u32(int v) {
        ensure(4);
        for (int i = 0; i < 4; i++) buf[size++] = (byte) (v >>> (8 * i));
    }

    void u64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) buf[size++] = (byte) (v >>> (8 * i));
    }

    void bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
    }

    void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        bytes(b);
    }

    void zeros(int n) {
        ensure(n);
        size += n;  // the buffer is zero beyond size: it only ever grows
    }

    /** The value's type id then the value; {@code key} names it in errors. */
    void typedValue(String key, GgufValue v) {
        u32(v.type().id());
        if (v.isArray()) array(key, v);
        else scalar(key, v.type(), v.value());
    }

    private void scalar(String key, GgufValueType type, Object value) {
        switch (type) {
            case UINT8, INT8 -> u8((int) number(key, value));
            case UINT16, INT16 -> u16((int) number(key, value));
            case UINT32, INT32 -> u32((int) number(key, value));
            case UINT64, INT64 -> u64(number(key, value));
            case FLOAT32 -> u32(Float.floatToRawIntBits(cast(key, value, Float.class)));
            case FLOAT64 -> u64(Double.doubleToRawLongBits(cast(key, value, Double.class)));
            case BOOL -> u8(cast(key, value, Boolean.class) ? 1 : 0);
            case STRING -> string(cast(key, value, String.class));
            case ARRAY -> throw new IllegalArgumentException(key + ": an ARRAY scalar");
        }
    }

    private void array(String key, GgufValue v) {
        GgufValueType et = v.elementType();
        Object a = v.value();
        u32(et.id());
        switch (et) {
            case UINT8, INT8 -> {
                byte[] x = cast(key, a, byte[].class);
                u64(x.length);
                bytes(x);
            }
            case UINT16, INT16 -> {
                short[] x = cast(key, a, short[].class);
                u64(x.length);
                for (short e : x) u16(e);
            }
            case UINT32, INT32 -> {
                int[] x = cast(key, a, int[].class);
                u64(x.length);
                for (int e : x) u32(e);
            }
            case UINT64, INT64 -> {
                long[] x = cast(key, a, long[].class);
                u64(x.length);
                for (long e : x) u64(e);
            }
            case FLOAT32 -> {
                float[] x = cast(key, a, float[].class);
                u64(x.length);
                for (float e : x) u32(Float.floatToRawIntBits(e));
            }
            case FLOAT64 -> {
                double[] x = cast(key, a, double[].class);
                u64(x.length);
                for (double e : x) u64(Double.doubleToRawLongBits(e));
            }
            case BOOL -> {
                boolean[] x = cast(key, a, boolean[].class);
                u64(x.length);
                for (boolean e : x) u8(e ? 1 : 0);
            }
            case STRING -> {
                String[] x = cast(key, a, String[].class);
                u64(x.length);
                for (String e : x) string(e);
            }
            case ARRAY -> {
                GgufValue[] x = cast(key, a, GgufValue[].class);
                u64(x.length);
                for (GgufValue e : x) {
                    if (e == null || !e.isArray()) throw new IllegalArgumentException(key + ": an array of arrays holds a non-array element");
                    array(key, e);
                }
            }
        }
    }

    private static long number(String key, Object value) {
        if (value instanceof Long l) return l;
        throw new IllegalArgumentException(key + ": integer metadata must be held as Long, not " + value.getClass().getSimpleName());
    }

    private static <T> T cast(String key, Object value, Class<T> type) {
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException(key + ": expected " + type.getSimpleName() + ", found " + value.getClass().getSimpleName());
        }
        return type.cast(value);
    }
}
