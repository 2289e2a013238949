package dev.cortado.io;

import dev.cortado.io.gguf.GgufFile;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Files over 2 GiB map and read (JDK 17's FileChannel.map cannot): a sparse 2.5 GiB GGUF, so the
 * test costs no real disk space, with known values past the 2 GiB mark.
 */
class LargeFileTest {
    @TempDir
    Path tmp;

    @Test
    void readsTensorDataPastTwoGiB() throws Exception {
        long elements = 640L * 1024 * 1024;  // 640 Mi floats = 2.5 GiB
        Path file = tmp.resolve("big.gguf");
        ByteBuffer h = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        h.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(1).putLong(1);
        putString(h, "general.architecture");
        h.putInt(8);  // STRING
        putString(h, "test");
        putString(h, "big");
        h.putInt(1).putLong(elements).putInt(0).putLong(0);  // 1 dim, F32, offset 0
        int dataStart = (h.position() + 31) / 32 * 32;
        float[] tail = {1.5f, -2.25f, 3.125f, 42f};
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(h.array(), 0, h.position());
            raf.setLength(dataStart + elements * 4);  // sparse
            ByteBuffer t = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : tail) t.putFloat(f);
            raf.seek(dataStart + elements * 4 - 16);
            raf.write(t.array());
        }
        try (MappedFile m = MappedFile.open(file)) {
            assertEquals(dataStart + elements * 4, m.size());
            assertEquals(42f, m.slice(m.size() - 4, 4).getFloat(0));
        }
        try (GgufFile g = GgufFile.open(file)) {
            Tensor t = g.tensor("big");
            assertEquals(TensorType.F32, t.type());
            assertEquals(elements * 4, t.byteSize());
            ByteBuffer b = t.bytes(t.byteSize() - 16, 16);
            float[] got = new float[4];
            for (int i = 0; i < 4; i++) got[i] = b.getFloat(4 * i);
            assertArrayEquals(tail, got);
        }
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.putLong(bytes.length).put(bytes);
    }
}
