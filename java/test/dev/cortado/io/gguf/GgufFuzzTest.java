package dev.cortado.io.gguf;

import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import dev.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Thousands of corrupted variants of a llama.cpp GGUF and of one written here: byte flips in the
 * header, header fields overwritten with extreme values, spans deleted or inserted, truncations.
 * Each variant must load (and then every tensor's first and last byte must be readable) or fail
 * with a one-line {@link CortadoException} naming the file; anything else, a hang or a crash fails.
 * Variant {@code i} uses {@code new Random(SEED + i)}, so a failure can be replayed alone.
 */
class GgufFuzzTest {
    private static final long SEED = 0x6775_6666L;
    private static final long[] EXTREMES = {0, 1, -1, 2, 3, 4, 5, 7, 9, 12, 13, 31, 32, 33, 63, 64, 255, 256,
            0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL, 1L << 32, 1L << 40, 1L << 60, 1L << 62,
            Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 31};

    @TempDir
    Path tmp;

    /** A field of the header: where it is and how wide (4 or 8 bytes). */
    record Field(long offset, int width) {}

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void fuzzLlamaCppFile() throws IOException {
        fuzz(TestFiles.sharedFile(GgufRealFilesTest.TINY), 3000);
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void fuzzSmallWrittenFile() throws IOException {
        Path small = tmp.resolve("small.gguf");
        GgufMetadata m = GgufWriterTest.everyValueType();
        m.putUint32("general.alignment", 64);
        GgufWriter.write(small, m, GgufWriterTest.someTensors());
        fuzz(small, 3000);
    }

    private void fuzz(Path original, int variants) throws IOException {
        byte[] base = Files.readAllBytes(original);
        List<Field> fields;
        long headerEnd, infoStart;
        try (GgufFile f = GgufFile.open(original)) {
            fields = new ArrayList<>();
            infoStart = headerFields(f, fields);
            headerEnd = f.tensors().isEmpty() ? base.length : f.dataOffset();
        }
        Path p = tmp.resolve("variant.gguf");
        int loaded = 0, rejected = 0;
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
          for (int i = 0; i < variants; i++) {
            Random rnd = new Random(SEED + i);
            StringBuilder what = new StringBuilder("variant " + i + ":");
            byte[] b = mutate(base, fields, infoStart, headerEnd, rnd, what);
            // Overwriting one file in place is ~20x faster than recreating it each time.
            ByteBuffer bb = ByteBuffer.wrap(b);
            while (bb.hasRemaining()) ch.write(bb, bb.position());
            ch.truncate(b.length);
            try (GgufFile f = GgufFile.open(p)) {
                for (Tensor t : f.tensors()) {
                    t.bytes(0, 1).get();
                    t.bytes(t.byteSize() - 1, 1).get();
                }
                loaded++;
            } catch (CortadoException e) {
                String msg = e.getMessage();
                assertTrue(msg.startsWith(p + ": "), what + " message does not name the file: " + msg);
                assertFalse(msg.contains("\n") || msg.contains("\r"), what + " message is not one line: " + msg);
                // The parser's explicit checks should catch everything before the safety net does.
                assertFalse(msg.contains("malformed GGUF"), what + " reached the catch-all: " + msg);
                rejected++;
            } catch (Throwable e) {
                throw new AssertionError(what + " escaped as " + e, e);
            }
          }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("GGUF fuzz %s: %d variants, %d loaded, %d rejected cleanly, %.1f s%n",
                original.getFileName(), variants, loaded, rejected, secs);
        assertTrue(rejected > variants / 4, "most variants are broken: " + rejected);
        assertTrue(loaded > 0, "some variants (flips in string bytes, truncated padding) still load");
    }

    private static byte[] mutate(byte[] base, List<Field> fields, long infoStart, long headerEnd, Random rnd, StringBuilder what) {
        byte[] b = base.clone();
        int kind = rnd.nextInt(10);
        if (kind < 3) {  // byte flips, concentrated in the header
            int n = 1 + rnd.nextInt(8);
            for (int k = 0; k < n; k++) {
                int at = hotOffset(b.length, infoStart, headerEnd, rnd);
                b[at] ^= (byte) (1 + rnd.nextInt(255));
                what.append(" flip@").append(at);
            }
        } else if (kind < 6) {  // header fields set to extreme values
            int n = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0);
            for (int k = 0; k < n; k++) {
                Field f = fields.get(rnd.nextInt(fields.size()));
                long v = EXTREMES[rnd.nextInt(EXTREMES.length)];
                if (rnd.nextBoolean()) v += rnd.nextInt(3) - 1;
                for (int j = 0; j < f.width(); j++) b[(int) f.offset() + j] = (byte) (v >>> (8 * j));
                what.append(" set@").append(f.offset()).append('=').append(v);
            }
        } else if (kind < 7) {  // random 32/64-bit overwrite anywhere in the header
            int width = rnd.nextBoolean() ? 4 : 8;
            int at = Math.min(hotOffset(b.length, infoStart, headerEnd, rnd), b.length - width);
            long v = EXTREMES[rnd.nextInt(EXTREMES.length)];
            for (int j = 0; j < width; j++) b[at + j] = (byte) (v >>> (8 * j));
            what.append(" raw@").append(at).append('=').append(v);
        } else if (kind < 8) {  // a span deleted or inserted: everything after it shifts
            int at = hotOffset(b.length, infoStart, headerEnd, rnd);
            int len = 1 + rnd.nextInt(16);
            byte[] c;
            if (rnd.nextBoolean() && at + len <= b.length) {
                c = new byte[b.length - len];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(b, at + len, c, at, b.length - at - len);
                what.append(" delete@").append(at).append('+').append(len);
            } else {
                c = new byte[b.length + len];
                System.arraycopy(b, 0, c, 0, at);
                for (int j = 0; j < len; j++) c[at + j] = (byte) rnd.nextInt(256);
                System.arraycopy(b, at, c, at + len, b.length - at);
                what.append(" insert@").append(at).append('+').append(len);
            }
            b = c;
        } else {  // truncation: inside the header half the time
            int len = rnd.nextBoolean() ? rnd.nextInt((int) Math.min(headerEnd + 1, b.length)) : rnd.nextInt(b.length);
            b = java.util.Arrays.copyOf(b, len);
            what.append(" truncate=").append(len);
        }
        return b;
    }

    /** An offset in the header: the first KiB, the tensor infos, or anywhere before the data. */
    private static int hotOffset(int size, long infoStart, long headerEnd, Random rnd) {
        long lo, hi;
        switch (rnd.nextInt(5)) {
            case 0, 1 -> { lo = 0; hi = Math.min(1024, headerEnd); }
            case 2, 3 -> { lo = infoStart; hi = headerEnd; }
            default -> { lo = 0; hi = headerEnd; }
        }
        if (hi <= lo) { lo = 0; hi = headerEnd; }
        return (int) Math.min(size - 1, lo + (long) (rnd.nextDouble() * (hi - lo)));
    }

    /**
     * Records every count, length, type and offset field of the header by re-encoding it (the
     * writer reproduces these files byte for byte); returns where the tensor infos start.
     */
    private static long headerFields(GgufFile f, List<Field> out) {
        out.add(new Field(4, 4));   // version
        out.add(new Field(8, 8));   // tensor count
        out.add(new Field(16, 8));  // metadata count
        long pos = 24;
        for (Map.Entry<String, GgufValue> e : f.metadata().asMap().entrySet()) {
            GgufEncoder enc = new GgufEncoder();
            enc.string(e.getKey());
            enc.typedValue(e.getKey(), e.getValue());
            long value = pos + 8 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4;
            out.add(new Field(pos, 8));          // key length
            out.add(new Field(value - 4, 4));    // value type
            GgufValue v = e.getValue();
            if (v.isArray()) {
                out.add(new Field(value, 4));     // element type
                out.add(new Field(value + 4, 8)); // element count
                if (v.elementType() == GgufValueType.STRING && v.length() > 0) out.add(new Field(value + 12, 8));
            } else if (v.type() == GgufValueType.STRING) {
                out.add(new Field(value, 8));
            } else if (v.type().size() >= 4) {
                out.add(new Field(value, v.type().size()));
            }
            pos += enc.size();
        }
        long infoStart = pos;
        for (GgufTensorInfo t : f.tensorInfos()) {
            out.add(new Field(pos, 8));  // name length
            pos += 8 + t.name().getBytes(StandardCharsets.UTF_8).length;
            out.add(new Field(pos, 4));  // n_dims
            pos += 4;
            for (int d = 0; d < t.ne().length; d++, pos += 8) out.add(new Field(pos, 8));
            out.add(new Field(pos, 4));  // type
            out.add(new Field(pos + 4, 8));  // offset
            pos += 12;
        }
        return infoStart;
    }
}
