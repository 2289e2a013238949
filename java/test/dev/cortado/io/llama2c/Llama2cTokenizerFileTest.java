package dev.cortado.io.llama2c;

import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** llama2.c tokenizer.bin: the real files, and every way a file can be wrong. */
class Llama2cTokenizerFileTest {
    @TempDir
    Path tmp;

    @Test
    void readsAndRewritesRealFiles() throws Exception {
        Path src = TestFiles.sharedFile("models/stories260K/tok512.bin");
        Llama2cTokenizerFile f = Llama2cTokenizerFile.read(src, 512);
        assertEquals(7, f.maxTokenLength());
        assertEquals(512, f.tokens().size());
        assertArrayEquals("\n<s>\n".getBytes(), f.tokens().get(1));
        assertEquals(-252f, f.scores()[511]);
        Path out = tmp.resolve("out.bin");
        f.write(out);
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(out));
        assertEquals(27, Llama2cTokenizerFile.read(TestFiles.sharedFile("tokenizers/llama2c/tokenizer.bin"), 32000).maxTokenLength());
    }

    @Test
    void badFilesGiveOneLineErrorsNamingTheFile() throws Exception {
        byte[] good = Files.readAllBytes(TestFiles.sharedFile("models/stories260K/tok512.bin"));
        expect(Arrays.copyOf(good, good.length - 3), 512, "token 511 has length");
        expect(Arrays.copyOf(good, 2), 512, "too short");
        expect(good, 511, "bytes follow the 511 tokens");
        expect(good, 513, "ends inside token 512 of 513");
        expect(good, Integer.MAX_VALUE, "holds at most");  // no allocation for 2^31 tokens
        expect(good, 0, "not positive");
        byte[] negLen = good.clone();
        ByteBuffer.wrap(negLen).order(ByteOrder.LITTLE_ENDIAN).putInt(4 + 4, -5);
        expect(negLen, 512, "token 0 has length -5");
        byte[] negMax = good.clone();
        ByteBuffer.wrap(negMax).order(ByteOrder.LITTLE_ENDIAN).putInt(0, -1);
        expect(negMax, 512, "max_token_length -1");
        Path missing = tmp.resolve("missing.bin");
        var e = assertThrows(CortadoException.class, () -> Llama2cTokenizerFile.read(missing, 5));
        assertEquals(missing + ": no such file", e.getMessage());
    }

    private void expect(byte[] content, int vocab, String problem) throws Exception {
        Path p = tmp.resolve("bad.bin");
        Files.write(p, content);
        var e = assertThrows(CortadoException.class, () -> Llama2cTokenizerFile.read(p, vocab));
        assertTrue(e.getMessage().startsWith(p + ": ") && e.getMessage().contains(problem), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
