package dev.cortado.io.gguf;

import dev.cortado.CortadoException;
import dev.cortado.tensor.TensorType;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parses and validates a GGUF header (v2 or v3, little-endian):
 * <pre>
 * "GGUF" | uint32 version | uint64 n_tensors | uint64 n_kv
 * n_kv  x (string key | uint32 value_type | value)
 * n_tensors x (string name | uint32 n_dims | uint64 ne[n_dims] | uint32 ggml_type | uint64 offset)
 * zero padding to general.alignment (default 32) | tensor data
 * </pre>
 * Strings are a uint64 byte length then UTF-8; arrays are uint32 element type, uint64 count, elements.
 * Every count and length is checked against the bytes that remain before anything is allocated, and
 * every tensor's data against the file size, so that nothing later can read outside the mapping.
 */
final class GgufParser {
    static final int DEFAULT_ALIGNMENT = 32;
    static final int MAX_DIMS = 4;
    /** Arrays of arrays are legal; a file nesting them deeper than this is hostile, not a model. */
    static final int MAX_ARRAY_DEPTH = 8;
    /** A power of two that still fits an int; real files use 32 or a few KiB. */
    static final int MAX_ALIGNMENT = 1 << 30;

    // The fewest bytes one entry can take, to bound declared counts by the bytes left.
    private static final int MIN_KV_BYTES = 8 + 4 + 1;              // empty key, type, 1-byte value
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;  // empty name, 1 dim

    record Header(int version, int alignment, GgufMetadata metadata, List<GgufTensorInfo> tensors, long dataOffset) {}

    private final GgufCursor in;
    private final long fileSize;

    private GgufParser(GgufCursor in, long fileSize) {
        this.in = in;
        this.fileSize = fileSize;
    }

    /** {@code header} holds the file from byte 0 (all of it, or its first 2 GiB). */
    static Header parse(Path path, ByteBuffer header, long fileSize) {
        return new GgufParser(new GgufCursor(path, header, fileSize), fileSize).parse();
    }

    private Header parse() {
        int version = readMagicAndVersion();
        long nTensors = in.count("tensor count");
        long nKv = in.count("metadata count");
        if (nKv > in.remaining() / MIN_KV_BYTES) {
            throw in.error("header declares " + nKv + " metadata entries but only " + in.remaining() + " bytes follow");
        }
        if (nTensors > in.remaining() / MIN_TENSOR_INFO_BYTES) {
            throw in.error("header declares " + nTensors + " tensors but only " + in.remaining() + " bytes follow");
        }
        GgufMetadata metadata = readMetadata((int) nKv);
        int alignment = alignment(metadata);
        List<GgufTensorInfo> tensors = readTensorInfos((int) nTensors, alignment);
        long dataOffset = alignUp(in.position(), alignment);
        checkPlacement(tensors, dataOffset);
        return new Header(version, alignment, metadata, List.copyOf(tensors), dataOffset);
    }

    private int readMagicAndVersion() {
        if (in.remaining() < 8) throw in.error("too small to be a GGUF file (" + fileSize + " bytes)");
        byte[] magic = new byte[4];
        in.get(magic, "magic");
        if (!Arrays.equals(magic, new byte[] {'G', 'G', 'U', 'F'})) {
            throw in.error("not a GGUF file (starts with " + printable(magic) + ", expected \"GGUF\")");
        }
        int version = in.i32("version");
        if (version == 2 || version == 3) return version;
        if (version == 1) throw in.error("GGUF version 1 is not supported (only versions 2 and 3 are)");
        // A big-endian writer puts the small version number in the high bytes.
        if ((version & 0xFFFF) == 0 && version != 0) {
            throw in.error("big-endian GGUF (version " + Integer.reverseBytes(version) + ") is not supported, only little-endian");
        }
        throw in.error("unsupported GGUF version " + Integer.toUnsignedString(version) + " (only versions 2 and 3 are)");
    }

    private GgufMetadata readMetadata(int n) {
        GgufMetadata m = new GgufMetadata();
        for (int i = 0; i < n; i++) {
            long at = in.position();
            String key = in.string("key of metadata entry " + i);
            String shown = show(key);
            if (m.contains(key)) throw in.error("duplicate metadata key " + shown + " at byte " + at);
            int typeId = in.i32("type of " + shown);
            GgufValueType type = GgufValueType.fromId(typeId);
            if (type == null) throw in.error("metadata " + shown + " has unknown value type " + Integer.toUnsignedString(typeId));
            m.put(key, type == GgufValueType.ARRAY ? readArray(shown, 1) : readScalar(type, shown));
        }
        return m;
    }

    private GgufValue readScalar(GgufValueType type, String key) {
        Object v = switch (type) {
            case UINT8 -> (long) in.u8(key);
            case INT8 -> (long) (byte) in.u8(key);
            case UINT16 -> (long) (in.i16(key) & 0xFFFF);
            case INT16 -> (long) in.i16(key);
            case UINT32 -> in.i32(key) & 0xFFFFFFFFL;
            case INT32 -> (long) in.i32(key);
            case UINT64, INT64 -> in.i64(key);
            case FLOAT32 -> Float.intBitsToFloat(in.i32(key));
            case FLOAT64 -> Double.longBitsToDouble(in.i64(key));
            case BOOL -> bool(in.u8(key), key);
            case STRING -> in.string(key);
            case ARRAY -> throw new IllegalStateException("arrays are read by readArray");
        };
        return new GgufValue(type, null, v);
    }

    private boolean bool(int b, String key) {
        if (b > 1) throw in.error("metadata " + key + " has bool byte " + b + " at byte " + (in.position() - 1) + " (must be 0 or 1)");
        return b == 1;
    }

    private GgufValue readArray(String key, int depth) {
        if (depth > MAX_ARRAY_DEPTH) throw in.error("metadata " + key + " nests arrays deeper than " + MAX_ARRAY_DEPTH);
        int typeId = in.i32("element type of " + key);
        GgufValueType et = GgufValueType.fromId(typeId);
        if (et == null) throw in.error("metadata " + key + " is an array of unknown value type " + Integer.toUnsignedString(typeId));
        long at = in.position();
        long n = in.count("length of " + key);
        int min = et == GgufValueType.STRING ? 8 : et == GgufValueType.ARRAY ? 12 : et.size();
        if (n > in.remaining() / min || n > Integer.MAX_VALUE - 8) {
            throw in.error("metadata " + key + " at byte " + at + " declares " + n + " " + et.name().toLowerCase()
                    + " elements but only " + in.remaining() + " bytes remain in the file");
        }
        int len = (int) n;
        Object arr = switch (et) {
            case UINT8, INT8 -> {
                byte[] a = new byte[len];
                in.get(a, key);
                yield a;
            }
            case UINT16, INT16 -> {
                short[] a = new short[len];
                in.get(a, key);
                yield a;
            }
            case UINT32, INT32 -> {
                int[] a = new int[len];
                in.get(a, key);
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[len];
                in.get(a, key);
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[len];
                in.get(a, key);
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[len];
                in.get(a, key);
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) a[i] = bool(in.u8(key), key);
                yield a;
            }
            case STRING -> {
                String[] a = new String[len];
                for (int i = 0; i < len; i++) a[i] = in.string(key);
                yield a;
            }
            case ARRAY -> {
                GgufValue[] a = new GgufValue[len];
                for (int i = 0; i < len; i++) a[i] = readArray(key + "[" + i + "]", depth + 1);
                yield a;
            }
        };
        return new GgufValue(GgufValueType.ARRAY, et, arr);
    }

    private int alignment(GgufMetadata m) {
        GgufValue v = m.get("general.alignment");
        if (v == null) return DEFAULT_ALIGNMENT;
        if (v.type() != GgufValueType.UINT32) {
            throw in.error("general.alignment must be a uint32, not " + (v.isArray() ? "an array" : v.type().name().toLowerCase()));
        }
        long a = v.asLong();
        if (a == 0 || Long.bitCount(a) != 1) throw in.error("general.alignment " + a + " is not a non-zero power of two");
        if (a > MAX_ALIGNMENT) throw in.error("general.alignment " + a + " is larger than " + MAX_ALIGNMENT);
        return (int) a;
    }

    private List<GgufTensorInfo> readTensorInfos(int n, int alignment) {
        List<GgufTensorInfo> infos = new ArrayList<>(n);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < n; i++) {
            long at = in.position();
            String fullName = in.string("name of tensor " + i);
            if (!names.add(fullName)) throw in.error("duplicate tensor name " + show(fullName) + " at byte " + at);
            String name = show(fullName);
            int nDims = in.i32("dimension count of tensor " + name);
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw in.error("tensor " + name + " has " + Integer.toUnsignedString(nDims) + " dimensions (must be 1 to " + MAX_DIMS + ")");
            }
            long[] ne = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                ne[d] = in.i64("dimension " + d + " of tensor " + name);
                if (ne[d] < 1) throw in.error("tensor " + name + " has dimension " + d + " = " + Long.toUnsignedString(ne[d]) + " (must be at least 1)");
                if (elements > Long.MAX_VALUE / ne[d]) throw in.error("tensor " + name + " element count " + dims(ne, d + 1) + " overflows");
                elements *= ne[d];
            }
            int typeId = in.i32("type of tensor " + name);
            TensorType type = TensorType.fromGgmlId(typeId);
            if (type == null) throw in.error("tensor " + name + " has unknown type id " + Integer.toUnsignedString(typeId));
            if (ne[0] % type.blockSize() != 0) {
                throw in.error("tensor " + name + " row length " + ne[0] + " is not a multiple of " + type + "'s block size " + type.blockSize());
            }
            if (elements / type.blockSize() > Long.MAX_VALUE / type.blockBytes()) {
                throw in.error("tensor " + name + " byte size overflows (" + dims(ne, nDims) + " " + type + ")");
            }
            long offset = in.i64("data offset of tensor " + name);
            if (offset < 0) throw in.error("tensor " + name + " data offset " + Long.toUnsignedString(offset) + " is out of range");
            if (offset % alignment != 0) throw in.error("tensor " + name + " data offset " + offset + " is not a multiple of the alignment " + alignment);
            infos.add(new GgufTensorInfo(fullName, ne, type, offset));
        }
        return infos;
    }

    /** Every tensor's bytes lie inside the file, and no two overlap. */
    private void checkPlacement(List<GgufTensorInfo> tensors, long dataOffset) {
        List<GgufTensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        GgufTensorInfo prev = null;
        long prevEnd = 0;
        for (GgufTensorInfo t : byOffset) {
            long size = t.byteSize();  // validated above not to overflow
            String name = show(t.name());
            if (t.offset() > fileSize || dataOffset > fileSize - t.offset() || size > fileSize - dataOffset - t.offset()) {
                String end = t.offset() > Long.MAX_VALUE - dataOffset - size
                        ? "past byte 2^63" : "at byte " + (dataOffset + t.offset() + size);
                throw in.error("tensor " + name + " ends " + end + " but the file has " + fileSize);
            }
            if (prev != null && t.offset() < prevEnd) {
                throw in.error("tensors " + show(prev.name()) + " and " + name + " overlap (data bytes "
                        + prev.offset() + ".." + prevEnd + " and " + t.offset() + ".." + (t.offset() + size) + ")");
            }
            prev = t;
            prevEnd = t.offset() + size;
        }
    }

    static long alignUp(long n, long alignment) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private static String dims(long[] ne, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(i > 0 ? "x" : "").append(ne[i]);
        return sb.toString();
    }

    /**
     * A name or key as it may appear in a one-line message: control characters escaped (a corrupt
     * file can put a newline in a name) and very long ones cut.
     */
    static String show(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 120; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F || Character.isISOControl(c) || c == '\u2028' || c == '\u2029') sb.append(String.format("\\x%02x", (int) c & 0xFF));
            else sb.append(c);
        }
        if (sb.length() >= 120 && s.length() > 120) sb.append("…");
        return sb.toString();
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        boolean text = true;
        for (byte x : b) text &= x >= 0x20 && x < 0x7F;
        if (text) return "\"" + new String(b, java.nio.charset.StandardCharsets.US_ASCII) + "\"";
        for (byte x : b) sb.append(String.format("%02x", x & 0xFF));
        return "0x" + sb;
    }
}
