package dev.cortado.io;

import dev.cortado.CortadoException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format version 1.0) of little-endian float32, C order: the magic
 * {@code \x93NUMPY}, version bytes 1 0, a 2-byte header length, an ASCII dict header padded with
 * spaces to a multiple of 64 bytes and ending in a newline, then the raw data.
 */
public final class Npy {
    private Npy() {}

    /** A float32 array with its shape (outermost first). */
    public record Array(long[] shape, float[] data) {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** Writes {@code data} with {@code shape} atomically (temp file, fsync, rename). */
    public static void writeFloats(Path file, long[] shape, float[] data) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        if (n != data.length) throw new IllegalArgumentException(data.length + " values for shape " + Arrays.toString(shape));
        StringBuilder dims = new StringBuilder();
        for (long d : shape) dims.append(d).append(", ");
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)"
                : "(" + (shape.length == 0 ? "" : dims.substring(0, dims.length() - 2)) + ")";
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        String header = dict + " ".repeat(total - unpadded) + "\n";
        ByteBuffer head = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        head.flip();
        AtomicFile.write(file, ch -> {
            while (head.hasRemaining()) ch.write(head);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < data.length; ) {
                buf.clear();
                while (i < data.length && buf.remaining() >= 4) buf.putFloat(data[i++]);
                buf.flip();
                while (buf.hasRemaining()) ch.write(buf);
            }
        });
    }

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** Reads a float32 little-endian C-order .npy (versions 1.0–3.0); anything else is a clear error. */
    public static Array readFloats(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, pre, file);
            pre.flip();
            byte[] magic = new byte[6];
            pre.get(magic);
            if (!Arrays.equals(magic, MAGIC)) throw CortadoException.inFile(file, "not a .npy file (bad magic)");
            int major = pre.get() & 0xff;
            pre.get();
            long headerLen;
            int prefix;
            if (major == 1) {
                headerLen = pre.getShort() & 0xffff;
                prefix = 10;
            } else if (major == 2 || major == 3) {
                headerLen = pre.getInt() & 0xffffffffL;
                prefix = 12;
            } else {
                throw CortadoException.inFile(file, ".npy version " + major + " is not supported");
            }
            if (prefix + headerLen > size || headerLen > 1 << 20) throw CortadoException.inFile(file, "truncated .npy header");
            ByteBuffer h = ByteBuffer.allocate((int) headerLen);
            ch.position(prefix);
            readFully(ch, h, file);
            String header = new String(h.array(), StandardCharsets.ISO_8859_1);
            Matcher d = DESCR.matcher(header), f = FORTRAN.matcher(header), s = SHAPE.matcher(header);
            if (!d.find() || !f.find() || !s.find()) throw CortadoException.inFile(file, "malformed .npy header: " + header.trim());
            if (!d.group(1).equals("<f4")) throw CortadoException.inFile(file, "dtype " + d.group(1) + " is not <f4 (float32)");
            if (f.group(1).equals("True")) throw CortadoException.inFile(file, "Fortran-order arrays are not supported");
            String[] parts = s.group(1).split(",");
            long[] shape = Arrays.stream(parts).map(String::trim).filter(p -> !p.isEmpty()).mapToLong(p -> {
                try {
                    long v = Long.parseLong(p);
                    if (v < 0) throw new NumberFormatException();
                    return v;
                } catch (NumberFormatException e) {
                    throw CortadoException.inFile(file, "bad dimension '" + p + "' in .npy shape");
                }
            }).toArray();
            long n = 1;
            for (long v : shape) {
                if (v != 0 && n > Integer.MAX_VALUE / v) throw CortadoException.inFile(file, ".npy array is too large to read");
                n *= v;
            }
            long dataStart = prefix + headerLen;
            if (size - dataStart != n * 4) {
                throw CortadoException.inFile(file, "holds " + (size - dataStart) + " data bytes but shape "
                        + Arrays.toString(shape) + " needs " + n * 4);
            }
            ByteBuffer body = ByteBuffer.allocate((int) (n * 4)).order(ByteOrder.LITTLE_ENDIAN);
            ch.position(dataStart);
            readFully(ch, body, file);
            body.flip();
            float[] data = new float[(int) n];
            body.asFloatBuffer().get(data);
            return new Array(shape, data);
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, Path file) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) throw CortadoException.inFile(file, "truncated .npy file");
        }
    }
}
