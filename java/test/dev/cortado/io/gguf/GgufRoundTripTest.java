package dev.cortado.io.gguf;

import dev.cortado.TestFiles;
import dev.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** read → write → read keeps metadata, tensor infos and data; llama.cpp's layout is reproduced. */
class GgufRoundTripTest {
    @TempDir
    Path tmp;

    @Test
    void llama2TinyRandomRoundTripsByteForByte() throws IOException {
        Path in = TestFiles.sharedFile(GgufRealFilesTest.TINY);
        Path out = tmp.resolve("copy.gguf");
        assertRoundTrip(in, out);
        // llama.cpp writes the same layout (tensors packed in order, each padded to the alignment,
        // the last one too), so the copy is the original, byte for byte.
        assertEquals(-1, Files.mismatch(in, out), "first differing byte");
    }

    @Test
    void vocabOnlyFilesRoundTrip() throws IOException {
        Path dir = TestFiles.sharedFile("tokenizers/llama.cpp-vocab");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        for (Path in : files) {
            Path out = tmp.resolve(in.getFileName());
            assertRoundTrip(in, out);
            // gguf-py wrote these without padding after the header (no data section follows); so
            // does GgufWriter when there are no tensors.
            assertEquals(-1, Files.mismatch(in, out), in.getFileName() + ": first differing byte");
        }
    }

    static void assertRoundTrip(Path in, Path out) {
        try (GgufFile a = GgufFile.open(in)) {
            GgufWriter.write(out, a.metadata(), a.tensors());
            try (GgufFile b = GgufFile.open(out)) {
                assertEquals(3, b.version());
                assertEquals(a.alignment(), b.alignment());
                assertEquals(a.metadata(), b.metadata());
                assertEquals(List.copyOf(a.metadata().keys()), List.copyOf(b.metadata().keys()), "key order");
                assertEquals(a.tensorInfos(), b.tensorInfos());
                assertEquals(a.dataOffset(), b.dataOffset());
                for (int i = 0; i < a.tensors().size(); i++) {
                    Tensor x = a.tensors().get(i), y = b.tensors().get(i);
                    assertEquals(x.toString(), y.toString());
                    assertEquals(x.bytes(), y.bytes(), x.name());
                }
            }
        }
    }
}
