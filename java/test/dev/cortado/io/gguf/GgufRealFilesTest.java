package dev.cortado.io.gguf;

import dev.cortado.TestFiles;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Files written by llama.cpp's own tools load, with sensible metadata and tensors. */
class GgufRealFilesTest {
    static final String TINY = "models/llama-2-tiny-random/llama-2-tiny-random.gguf";

    @Test
    void llama2TinyRandomLoads() throws IOException {
        Path path = TestFiles.sharedFile(TINY);
        try (GgufFile f = GgufFile.open(path)) {
            assertEquals(3, f.version());
            assertEquals(32, f.alignment());
            assertEquals(0, f.dataOffset() % f.alignment());
            GgufMetadata m = f.metadata();
            assertEquals("llama", m.getString("general.architecture"));
            assertEquals(1, m.getLong("llama.block_count", -1));
            assertEquals(8, m.getLong("llama.embedding_length", -1));
            assertEquals(32000, m.getStringArray("tokenizer.ggml.tokens").length);
            assertEquals(32000, m.getFloatArray("tokenizer.ggml.scores").length);

            // 1 layer: token_embd, output_norm, output + 9 per block
            List<Tensor> tensors = f.tensors();
            assertEquals(12, tensors.size());
            assertEquals(12, f.tensorInfos().size());
            Tensor embd = f.tensor("token_embd.weight");
            assertNotNull(embd);
            assertArrayEquals(new long[] {32000, 8}, embd.shape());
            assertNotNull(f.tensor("output.weight"));
            assertNotNull(f.tensor("blk.0.attn_q.weight"));
            assertNull(f.tensor("no.such.tensor"));
            assertArrayEquals(new long[] {8, 8}, f.tensor("blk.0.attn_q.weight").shape());
            assertArrayEquals(new long[] {8}, f.tensor("output_norm.weight").shape());
            assertEquals(TensorType.F32, f.tensor("output_norm.weight").type());
            assertTrue(tensors.stream().anyMatch(t -> t.type() == TensorType.F16), "has F16 tensors");

            long end = f.dataOffset();
            for (int i = 0; i < tensors.size(); i++) {
                Tensor t = tensors.get(i);
                GgufTensorInfo info = f.tensorInfos().get(i);
                assertEquals(info.name(), t.name());
                assertArrayEquals(info.shape(), t.shape());
                assertEquals(info.byteSize(), t.byteSize());
                assertTrue(t.isMapped());
                assertEquals(f.mappedFile().address(f.dataOffset() + info.offset()), t.address());
                end = Math.max(end, f.dataOffset() + info.offset() + info.byteSize());
                // The data is readable through the mapping (random bits: values are not checked).
                assertEquals(t.elementCount(), t.toFloats().length, t.name());
            }
            assertTrue(end <= Files.size(path));
        }
    }

    @Test
    void vocabOnlyFilesLoad() throws IOException {
        Path dir = TestFiles.sharedFile("tokenizers/llama.cpp-vocab");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        assertEquals(12, files.size());
        for (Path p : files) {
            try (GgufFile f = GgufFile.open(p)) {
                assertTrue(f.version() == 2 || f.version() == 3, p.toString());
                assertEquals(0, f.tensors().size(), p.toString());
                assertNotNull(f.metadata().getString("general.architecture"), p.toString());
                String[] tokens = f.metadata().getStringArray("tokenizer.ggml.tokens");
                assertNotNull(tokens, p.toString());
                assertTrue(tokens.length > 1000, p.toString());
                assertNotNull(f.metadata().getString("tokenizer.ggml.model"), p.toString());
            }
        }
    }
}
