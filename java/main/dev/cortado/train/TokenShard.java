package dev.cortado.train;

import dev.cortado.CortadoException;
import dev.cortado.io.AtomicFile;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A training shard: a stream of token ids as {@code cortado pretrain} and {@code cortado finetune}
 * read them, written by the Spark job {@code TokenizeDataset} (or anything else). The layout, all
 * little-endian:
 * <pre>
 *   0  8  magic "CRTDSHRD"
 *   8  4  version (1)
 *  12  4  dtype: bytes per token, 2 (uint16, vocabularies up to 65,536) or 4 (uint32)
 *  16  8  token count N
 *  24     N tokens of dtype bytes each; the file ends there
 * </pre>
 */
public final class TokenShard {
    public static final byte[] MAGIC = "CRTDSHRD".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1;
    public static final int HEADER_BYTES = 24;

    /** How each token is stored. */
    public enum DType {
        UINT16(2), UINT32(4);

        public final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        /** The narrowest dtype that holds every id of a vocabulary of this size. */
        public static DType forVocabulary(int vocabSize) {
            return vocabSize <= 1 << 16 ? UINT16 : UINT32;
        }

        static DType ofCode(int code) {
            for (DType d : values()) if (d.bytes == code) return d;
            return null;
        }
    }

    /** A shard's header. */
    public record Header(int version, DType dtype, long tokens) {}

    private TokenShard() {}

    /** The 24 header bytes. */
    public static byte[] header(DType dtype, long tokens) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(VERSION).putInt(dtype.bytes).putLong(tokens);
        return b.array();
    }

    /** Writes a whole shard to a stream (the caller owns the stream and makes the write atomic). */
    public static void write(OutputStream out, int[] tokens, int count, DType dtype) throws IOException {
        out.write(header(dtype, count));
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            int t = tokens[i];
            if (t < 0 || (dtype == DType.UINT16 && t > 0xFFFF))
                throw new IllegalArgumentException("token " + t + " at " + i + " does not fit " + dtype);
            if (b.remaining() < 4) {
                out.write(b.array(), 0, b.position());
                b.clear();
            }
            if (dtype == DType.UINT16) b.putShort((short) t);
            else b.putInt(t);
        }
        out.write(b.array(), 0, b.position());
    }

    /** Writes a shard file through a temporary file and a rename. */
    public static void write(Path file, int[] tokens, int count, DType dtype) {
        AtomicFile.writeStream(file, out -> write(out, tokens, count, dtype));
    }

    /** Reads and checks a shard's header against the file's size. */
    public static Header readHeader(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, ch);
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        }
    }

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < HEADER_BYTES)
            throw CortadoException.inFile(file, "a token shard needs a " + HEADER_BYTES + "-byte header but the file has " + size + " bytes");
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) { }
        b.flip();
        byte[] magic = new byte[8];
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) throw CortadoException.inFile(file, "not a token shard (no CRTDSHRD magic)");
        int version = b.getInt(), code = b.getInt();
        long tokens = b.getLong();
        if (version != VERSION) throw CortadoException.inFile(file, "token shard version " + version + " (this Cortado reads " + VERSION + ")");
        DType dtype = DType.ofCode(code);
        if (dtype == null) throw CortadoException.inFile(file, "unknown token dtype " + code + " (2: uint16, 4: uint32)");
        if (tokens < 0 || tokens > (size - HEADER_BYTES) / dtype.bytes || HEADER_BYTES + tokens * dtype.bytes != size)
            throw CortadoException.inFile(file, "the header declares " + Long.toUnsignedString(tokens) + " tokens of "
                    + dtype.bytes + " bytes but the file has " + (size - HEADER_BYTES) + " bytes after the header");
        return new Header(version, dtype, tokens);
    }

    /** Every token of a shard. */
    public static int[] read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = readHeader(file, ch);
            if (h.tokens() > Integer.MAX_VALUE - 16)
                throw CortadoException.inFile(file, h.tokens() + " tokens are too many for one array: read it in ranges");
            int n = (int) h.tokens();
            int[] out = new int[n];
            ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long pos = HEADER_BYTES;
            int i = 0;
            while (i < n) {
                b.clear();
                b.limit((int) Math.min(b.capacity(), (long) (n - i) * h.dtype().bytes));
                while (b.hasRemaining()) {
                    int r = ch.read(b, pos);
                    if (r < 0) throw CortadoException.inFile(file, "ends early at byte " + pos);
                    pos += r;
                }
                b.flip();
                if (h.dtype() == DType.UINT16) while (b.hasRemaining()) out[i++] = b.getShort() & 0xFFFF;
                else while (b.hasRemaining()) out[i++] = b.getInt();
            }
            return out;
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        }
    }
}
