package dev.cortado.io;

import dev.cortado.CortadoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NPY v1.0 float32 files: the exact header NumPy writes, round trips, and bad files. */
class NpyTest {
    @TempDir
    Path tmp;

    @Test
    void headerIsNumpysAndRoundTrips() throws Exception {
        Path f = tmp.resolve("a.npy");
        float[] data = {1f, -2.5f, 3e-8f, Float.MAX_VALUE, 0f, 7f};
        Npy.writeFloats(f, new long[]{2, 3}, data);
        byte[] b = Files.readAllBytes(f);
        assertEquals(128 + 24, b.length);
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
        assertEquals(1, b[6]);
        assertEquals(0, b[7]);
        int hl = ByteBuffer.wrap(b, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        String header = new String(b, 10, hl, StandardCharsets.US_ASCII);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), header);
        assertTrue(header.endsWith("\n"));
        assertEquals(0, (10 + hl) % 64);
        Npy.Array a = Npy.readFloats(f);
        assertArrayEquals(new long[]{2, 3}, a.shape());
        assertArrayEquals(data, a.data());
        Npy.writeFloats(f, new long[]{4}, new float[4]);
        assertTrue(new String(Files.readAllBytes(f), StandardCharsets.US_ASCII).contains("'shape': (4,)"));
    }

    @Test
    void badFilesAreClearErrors() throws Exception {
        Path f = tmp.resolve("b.npy");
        Npy.writeFloats(f, new long[]{3, 3}, new float[9]);
        byte[] good = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(good, good.length - 1));
        assertThrows(CortadoException.class, () -> Npy.readFloats(f));
        Files.write(f, Arrays.copyOf(good, 20));
        assertThrows(CortadoException.class, () -> Npy.readFloats(f));
        byte[] f8 = good.clone();
        f8[10 + "{'descr': '<f".length()] = '8';
        Files.write(f, f8);
        CortadoException e = assertThrows(CortadoException.class, () -> Npy.readFloats(f));
        assertTrue(e.getMessage().contains("<f8"), e.getMessage());
        Files.write(f, "nothing".getBytes(StandardCharsets.US_ASCII));
        assertThrows(CortadoException.class, () -> Npy.readFloats(f));
    }
}
