package dev.cortado.io.gguf;

import dev.cortado.CortadoException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Bounds-checked little-endian reads over the header of a GGUF file. Every read first checks that
 * the bytes are there, so a truncated or lying file gives a one-line {@link CortadoException}
 * naming what was being read and where, never a {@code BufferUnderflowException}.
 */
final class GgufCursor {
    private final Path path;
    private final ByteBuffer buf;   // little-endian, position 0 = byte 0 of the file
    private final long fileSize;

    GgufCursor(Path path, ByteBuffer buf, long fileSize) {
        this.path = path;
        this.buf = buf;
        this.fileSize = fileSize;
    }

    long position() {
        return buf.position();
    }

    long remaining() {
        return buf.remaining();
    }

    CortadoException error(String problem) {
        return CortadoException.inFile(path, problem);
    }

    /** Fails unless {@code n} more bytes are readable; {@code what} says what they would hold. */
    void need(long n, String what) {
        if (n < 0 || n > buf.remaining()) {
            if (buf.limit() < fileSize) throw error(what + " at byte " + buf.position() + " lies past the first 2 GiB, where a GGUF header must end");
            throw error("truncated: " + what + " at byte " + buf.position() + " needs "
                    + (n < 0 ? Long.toUnsignedString(n) : n) + " bytes but the file has " + fileSize);
        }
    }

    int u8(String what) {
        need(1, what);
        return buf.get() & 0xFF;
    }

    short i16(String what) {
        need(2, what);
        return buf.getShort();
    }

    int i32(String what) {
        need(4, what);
        return buf.getInt();
    }

    long i64(String what) {
        need(8, what);
        return buf.getLong();
    }

    /** A uint64 that must fit a non-negative long (counts, lengths, dimensions, offsets). */
    long count(String what) {
        long v = i64(what);
        if (v < 0) throw error(what + " " + Long.toUnsignedString(v) + " at byte " + (buf.position() - 8) + " is out of range");
        return v;
    }

    void get(byte[] dst, String what) {
        need(dst.length, what);
        buf.get(dst);
    }

    // Bulk reads of numeric arrays (vocabulary scores and token types run to 100k+ entries).
    // Each checks the whole length once, then copies through a little-endian view.

    void get(short[] dst, String what) {
        need(2L * dst.length, what);
        buf.slice().order(buf.order()).asShortBuffer().get(dst);
        buf.position(buf.position() + 2 * dst.length);
    }

    void get(int[] dst, String what) {
        need(4L * dst.length, what);
        buf.slice().order(buf.order()).asIntBuffer().get(dst);
        buf.position(buf.position() + 4 * dst.length);
    }

    void get(long[] dst, String what) {
        need(8L * dst.length, what);
        buf.slice().order(buf.order()).asLongBuffer().get(dst);
        buf.position(buf.position() + 8 * dst.length);
    }

    void get(float[] dst, String what) {
        need(4L * dst.length, what);
        buf.slice().order(buf.order()).asFloatBuffer().get(dst);
        buf.position(buf.position() + 4 * dst.length);
    }

    void get(double[] dst, String what) {
        need(8L * dst.length, what);
        buf.slice().order(buf.order()).asDoubleBuffer().get(dst);
        buf.position(buf.position() + 8 * dst.length);
    }

    /**
     * A GGUF string: uint64 byte length, then UTF-8 bytes. The length is checked against the bytes
     * left before anything is allocated. Invalid UTF-8 is decoded leniently (each bad sequence
     * becomes U+FFFD) rather than rejected: some vocabularies carry raw byte tokens, and refusing
     * the whole file over one odd token helps nobody. Such strings do not round-trip byte for byte.
     */
    String string(String what) {
        long start = buf.position();
        long n = i64(what + " length");
        if (n < 0 || n > buf.remaining()) {
            throw error(what + " at byte " + start + " declares " + Long.toUnsignedString(n)
                    + " bytes but only " + buf.remaining() + " remain in the file");
        }
        if (n == 0) return "";
        byte[] b = new byte[(int) n];
        buf.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
