package dev.cortado.tokenizer;

import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.gguf.GgufValue;
import dev.cortado.io.gguf.GgufValueType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Just enough of a GGUF reader to get the metadata of llama.cpp-written files, so that these tests
 * can compare against them before the project's own GGUF reader lands (it may replace this then).
 * Trusted test input only: it checks nothing.
 */
final class GgufMetadataForTests {
    private GgufMetadataForTests() {}

    static GgufMetadata read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != 0x46554747) throw new IOException(file + ": not GGUF");
        b.getInt();  // version
        b.getLong(); // tensor count
        long n = b.getLong();
        GgufMetadata md = new GgufMetadata();
        for (long i = 0; i < n; i++) {
            String key = string(b);
            GgufValueType t = GgufValueType.fromId(b.getInt());
            md.put(key, value(b, t));
        }
        return md;
    }

    private static String string(ByteBuffer b) {
        byte[] s = new byte[(int) b.getLong()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static GgufValue value(ByteBuffer b, GgufValueType t) {
        return switch (t) {
            case UINT8 -> new GgufValue(t, null, (long) (b.get() & 0xff));
            case INT8 -> new GgufValue(t, null, (long) b.get());
            case UINT16 -> new GgufValue(t, null, (long) (b.getShort() & 0xffff));
            case INT16 -> new GgufValue(t, null, (long) b.getShort());
            case UINT32 -> new GgufValue(t, null, b.getInt() & 0xffffffffL);
            case INT32 -> new GgufValue(t, null, (long) b.getInt());
            case UINT64, INT64 -> new GgufValue(t, null, b.getLong());
            case FLOAT32 -> new GgufValue(t, null, b.getFloat());
            case FLOAT64 -> new GgufValue(t, null, b.getDouble());
            case BOOL -> new GgufValue(t, null, b.get() != 0);
            case STRING -> new GgufValue(t, null, string(b));
            case ARRAY -> array(b);
        };
    }

    private static GgufValue array(ByteBuffer b) {
        GgufValueType et = GgufValueType.fromId(b.getInt());
        int n = (int) b.getLong();
        Object v = switch (et) {
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) a[i] = string(b);
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = b.getFloat();
                yield a;
            }
            case INT32, UINT32 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = b.getInt();
                yield a;
            }
            case UINT8, INT8, BOOL -> {
                byte[] a = new byte[n];
                b.get(a);
                yield et == GgufValueType.BOOL ? toBooleans(a) : a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) a[i] = b.getLong();
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) a[i] = b.getDouble();
                yield a;
            }
            case UINT16, INT16 -> {
                short[] a = new short[n];
                for (int i = 0; i < n; i++) a[i] = b.getShort();
                yield a;
            }
            case ARRAY -> {
                GgufValue[] a = new GgufValue[n];
                for (int i = 0; i < n; i++) a[i] = array(b);
                yield a;
            }
        };
        return new GgufValue(GgufValueType.ARRAY, et, v);
    }

    private static boolean[] toBooleans(byte[] a) {
        boolean[] r = new boolean[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i] != 0;
        return r;
    }
}
