package dev.cortado.io.llama2c;

import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import dev.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Thousands of deterministic corruptions of small llama2.c checkpoints (v0 shared and separate,
 * with and without RoPE tables, v1): each must load, with every tensor readable, or fail with a
 * one-line {@link CortadoException} naming the file.
 */
class Llama2cFuzzTest {
    private static final int VARIANTS = 4000;

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void corruptCheckpointsLoadOrFailCleanly() throws IOException {
        List<byte[]> bases = new ArrayList<>();
        List<Integer> headerEnds = new ArrayList<>();
        Llama2cConfig separate = new Llama2cConfig(8, 12, 2, 2, 1, 16, 4, false);
        for (int b = 0; b < 4; b++) {
            Path p = tmp.resolve("base" + b + ".bin");
            switch (b) {
                case 0 -> Llama2cTestFiles.writeV0(p, Llama2cTestFiles.TINY, true);
                case 1 -> Llama2cTestFiles.writeV0(p, separate, false);
                case 2 -> Llama2cTestFiles.writeV1(p, Llama2cTestFiles.TINY);
                default -> Llama2cTestFiles.writeV1(p, separate);
            }
            bases.add(Files.readAllBytes(p));
            headerEnds.add(b < 2 ? 28 : 40);
        }
        Path f = tmp.resolve("fuzz.bin");
        Random r = new Random(42);
        int loaded = 0, failed = 0;
        for (int i = 0; i < VARIANTS; i++) {
            int which = i % 4, kind = (i / 4) % 5;
            byte[] v = variant(r, kind, bases.get(which), headerEnds.get(which));
            overwrite(f, v);
            if (outcome(f, "variant " + i + " (base " + which + ", kind " + kind + ")")) loaded++;
            else failed++;
        }
        assertTrue(loaded > 20, "loaded " + loaded);
        assertTrue(failed > VARIANTS / 2, "failed " + failed);
    }

    private static final int[] EXTREMES = {0, 1, -1, 2, 3, 4, 8, 12, 16, -16, Integer.MIN_VALUE, Integer.MAX_VALUE, 1 << 20,
            (1 << 20) + 1, 1 << 24, (1 << 24) + 1, 0x616b3432, 1 << 30, -(1 << 24)};

    private static byte[] variant(Random r, int kind, byte[] base, int headerEnd) {
        byte[] v = base.clone();
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
        switch (kind) {
            case 0 -> {  // byte flips in the header
                int flips = 1 + r.nextInt(3);
                for (int k = 0; k < flips; k++) {
                    int at = r.nextInt(headerEnd + 1);
                    if (r.nextBoolean()) v[at] ^= (byte) (1 << r.nextInt(8));
                    else v[at] = (byte) r.nextInt(256);
                }
            }
            case 1 -> {  // one int field (magic, version and flag included for v1) set to an extreme
                int at = 4 * r.nextInt(headerEnd / 4);
                b.putInt(at, r.nextInt(4) == 0 ? r.nextInt() : EXTREMES[r.nextInt(EXTREMES.length)]);
            }
            case 2 -> {  // small plausible values everywhere: hits divisibility checks and wrong sizes
                int first = headerEnd == 28 ? 0 : 8;
                for (int k = 0; k < 7; k++) b.putInt(first + 4 * k, r.nextInt(20) - 2);
            }
            case 3 -> v = Arrays.copyOf(v, r.nextBoolean() ? r.nextInt(v.length) : r.nextInt(Math.min(v.length, 300)));
            default -> v = Arrays.copyOf(v, v.length + 1 + r.nextInt(200));
        }
        return v;
    }

    static void overwrite(Path f, byte[] content) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) ch.write(b, b.position());
            ch.truncate(content.length);
        }
    }

    static boolean outcome(Path f, String what) {
        try (Llama2cCheckpoint ck = Llama2cCheckpoint.open(f)) {
            for (Tensor t : ck.tensors()) assertEquals(t.elementCount(), t.toFloats().length);
            return true;
        } catch (CortadoException e) {
            String m = e.getMessage();
            if (m == null || !m.startsWith(f + ": ") || m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0) {
                throw new AssertionError(what + ": message is not one line naming " + f + ": " + m, e);
            }
            return false;
        } catch (Throwable t) {
            throw new AssertionError(what + " of " + f + " threw " + t, t);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void corruptStories260kHeadersFailCleanly() throws IOException {
        byte[] base = Files.readAllBytes(TestFiles.sharedFile("models/stories260K/stories260K.bin"));
        Path f = tmp.resolve("stories.bin");
        Random r = new Random(260);
        int loaded = 0;
        for (int i = 0; i < 200; i++) {
            byte[] v = variant(r, i % 5, base, 28);
            overwrite(f, v);
            if (outcome(f, "stories260K variant " + i)) loaded++;
        }
        overwrite(f, base);
        assertTrue(outcome(f, "the unmodified file"));
        assertTrue(loaded < 200);
    }
}
