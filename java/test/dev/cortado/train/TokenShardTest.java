package dev.cortado.train;

import dev.cortado.CortadoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenShardTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripsBothDtypes() throws Exception {
        int[] small = {0, 1, 65535, 300, 7};
        Path a = tmp.resolve("a.bin");
        TokenShard.write(a, small, small.length, TokenShard.DType.UINT16);
        assertEquals(24 + 2 * small.length, Files.size(a));
        assertArrayEquals(small, TokenShard.read(a));
        assertEquals(new TokenShard.Header(1, TokenShard.DType.UINT16, 5), TokenShard.readHeader(a));

        int[] big = new int[100_000];
        for (int i = 0; i < big.length; i++) big[i] = i * 37 % 200_000;
        Path b = tmp.resolve("b.bin");
        TokenShard.write(b, big, big.length, TokenShard.DType.UINT32);
        assertArrayEquals(big, TokenShard.read(b));
        byte[] head = Arrays.copyOf(Files.readAllBytes(b), 8);
        assertEquals("CRTDSHRD", new String(head, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void dtypeForVocabulary() {
        assertEquals(TokenShard.DType.UINT16, TokenShard.DType.forVocabulary(65536));
        assertEquals(TokenShard.DType.UINT32, TokenShard.DType.forVocabulary(65537));
    }

    @Test
    void aTokenTooBigForUint16IsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> TokenShard.write(new java.io.ByteArrayOutputStream(), new int[] {70000}, 1, TokenShard.DType.UINT16));
    }

    private Path withHeader(String magic, int version, int dtype, long count, int payload) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24 + payload).order(ByteOrder.LITTLE_ENDIAN);
        b.put(magic.getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(version).putInt(dtype).putLong(count);
        Path p = tmp.resolve("bad.bin");
        Files.write(p, b.array());
        return p;
    }

    @Test
    void badFilesGiveOneLineErrorsNamingTheFile() throws Exception {
        Path[] bad = {
            withHeader("NOTASHRD", 1, 2, 0, 0),
            withHeader("CRTDSHRD", 9, 2, 0, 0),
            withHeader("CRTDSHRD", 1, 3, 0, 0),
            withHeader("CRTDSHRD", 1, 2, Long.MAX_VALUE, 4),   // a huge declared count
            withHeader("CRTDSHRD", 1, 4, 3, 8),                // truncated
            withHeader("CRTDSHRD", 1, 2, -1, 0),
        };
        for (Path p : bad) {
            CortadoException e = assertThrows(CortadoException.class, () -> TokenShard.read(p));
            assertTrue(e.getMessage().contains(p.toString()) && !e.getMessage().contains("\n"), e.getMessage());
        }
        Path tiny = tmp.resolve("tiny.bin");
        Files.write(tiny, new byte[5]);
        assertThrows(CortadoException.class, () -> TokenShard.readHeader(tiny));
    }
}
