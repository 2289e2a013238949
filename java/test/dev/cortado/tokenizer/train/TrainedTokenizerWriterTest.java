package dev.cortado.tokenizer.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The streamed tokenizer.json: the file, {@link TrainedTokenizerWriter#tokenizerJsonBytes} and the
 * tree agree, special tokens and the Split pre-tokenizer are written, and a token text made by two
 * different merges appears once in the vocabulary (with its last id, where it was first seen) as a
 * JSON object keeps it.
 */
class TrainedTokenizerWriterTest {
    @TempDir
    Path tmp;

    private static TrainedTokenizer abc(String pattern) {
        int[][] merges = {{'a', 'b'}, {256, 'c'}, {'b', 'c'}, {'a', 258}};
        byte[][] bytes = new byte[260][];
        for (int b = 0; b < 256; b++) bytes[b] = new byte[] {(byte) b};
        bytes[256] = "ab".getBytes(StandardCharsets.US_ASCII);
        bytes[257] = "abc".getBytes(StandardCharsets.US_ASCII);
        bytes[258] = "bc".getBytes(StandardCharsets.US_ASCII);
        bytes[259] = "abc".getBytes(StandardCharsets.US_ASCII);
        return new TrainedTokenizer(merges, bytes, List.of("<s>", "</s>"), Patterns.forName(pattern));
    }

    @Test
    void fileBytesAndTreeAgree() throws Exception {
        TrainedTokenizer t = abc("llama3");
        Path out = tmp.resolve("tok");
        TrainSummary s = new TrainSummary(t.vocabSize(), 4, 2, "llama3", 1, 1, 10, 10, 3, 2, 0, 0, 0, 0, 0, 0,
                Double.NaN, 0.1, 0.2, 0.3, -1, 1);
        TrainedTokenizerWriter.commit(t, s, TrainedTokenizerWriter.prepare(out), out);
        byte[] file = Files.readAllBytes(out.resolve("tokenizer.json"));
        assertArrayEquals(TrainedTokenizerWriter.tokenizerJsonBytes(t), file);
        JsonNode tree = new ObjectMapper().readTree(file);
        assertEquals(tree, TrainedTokenizerWriter.tokenizerJson(t));
        assertEquals("Sequence", tree.get("pre_tokenizer").get("type").asText());
        assertEquals("<s>", tree.get("added_tokens").get(0).get("content").asText());
        assertEquals(260, tree.get("added_tokens").get(0).get("id").asInt());
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(true, summary.get("held_out").get("bytes_per_token").isNull());
        assertEquals(0.2, summary.get("seconds").get("merging").asDouble());
    }

    @Test
    void aRepeatedTokenTextIsOneVocabularyEntry() throws Exception {
        JsonNode model = new ObjectMapper().readTree(TrainedTokenizerWriter.tokenizerJsonBytes(abc("gpt2"))).get("model");
        List<String> keys = new ArrayList<>();
        model.get("vocab").fieldNames().forEachRemaining(keys::add);
        assertEquals(259, keys.size());  // 256 bytes + "ab", "abc", "bc"
        assertEquals(List.of("ab", "abc", "bc"), keys.subList(256, 259));
        assertEquals(259, model.get("vocab").get("abc").asInt());
        assertEquals(4, model.get("merges").size());
        assertEquals("a bc", model.get("merges").get(3).asText());
    }
}
