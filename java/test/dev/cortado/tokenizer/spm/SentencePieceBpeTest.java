package dev.cortado.tokenizer.spm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.TestFiles;
import dev.cortado.io.gguf.GgufFile;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.TokenizerFiles;
import dev.cortado.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** SentencePiece-style BPE against llama2.c's and llama.cpp's expected ids. */
class SentencePieceBpeTest {
    @Test
    void llama2cExpectedEncodings() throws Exception {
        Path bin = TestFiles.sharedFile("tokenizers/llama2c/tokenizer.bin");
        Tokenizer t = Tokenizers.of(TokenizerFiles.fromLlama2c(bin, 32000));
        JsonNode cases = new ObjectMapper().readTree(TestFiles.sharedFile("tokenizers/llama2c/expected_encodings.json").toFile());
        for (JsonNode c : cases) {
            int[] want = new int[c.get("ids").size()];
            for (int i = 0; i < want.length; i++) want[i] = c.get("ids").get(i).asInt();
            String text = c.get("text").asText();
            assertArrayEquals(want, t.encodeForModel(text), text);
        }
    }

    @Test
    void storiesPromptIds() {
        Path tok = TestFiles.sharedFile("models/stories260K/tok512.bin");
        Tokenizer t = Tokenizers.of(TokenizerFiles.fromLlama2c(tok, 512));
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, t.encodeForModel("Once upon a time"));
        assertEquals("Once upon a time", t.decode(t.encodeForModel("Once upon a time")));
    }

    @Test
    void tinyStoriesPromptIds() {
        Path dir = TestFiles.sharedFile("models/tinystories-656k");
        Tokenizer t = Tokenizers.of(TokenizerFiles.fromHuggingFace(dir.resolve("tokenizer.json"), dir.resolve("tokenizer_config.json")));
        assertArrayEquals(new int[] {1, 80, 147, 201, 282, 57}, t.encodeForModel("Once upon a time"));
    }

    /** llama.cpp's own test pairs for its SentencePiece vocabularies. */
    @Test
    void llamaCppVocabPairs() throws Exception {
        // baichuan has no test pairs
        for (String name : new String[] {"llama-spm", "phi-3"}) {
            Path gguf = TestFiles.sharedFile("tokenizers/llama.cpp-vocab/ggml-vocab-" + name + ".gguf");
            Tokenizer t;
            try (GgufFile g = GgufFile.open(gguf)) {
                t = Tokenizers.of(TokenizerFiles.fromGguf(g.metadata()));
            }
            List<String> inputs = cases(gguf.resolveSibling(gguf.getFileName() + ".inp"));
            List<String> outputs = Files.readAllLines(gguf.resolveSibling(gguf.getFileName() + ".out"), StandardCharsets.UTF_8);
            int failures = 0;
            StringBuilder report = new StringBuilder();
            for (int i = 0; i < inputs.size(); i++) {
                int[] want = outputs.get(i).isBlank() ? new int[0]
                        : Arrays.stream(outputs.get(i).trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
                int[] got = t.encode(inputs.get(i));
                if (!Arrays.equals(want, got)) {
                    failures++;
                    if (report.length() < 2000) report.append("\n  [").append(inputs.get(i)).append("] want ")
                            .append(Arrays.toString(want)).append(" got ").append(Arrays.toString(got));
                }
            }
            assertEquals(0, failures, name + ": " + failures + "/" + inputs.size() + " differ" + report);
        }
    }

    static List<String> cases(Path inp) throws Exception {
        String all = Files.readString(inp, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>(Arrays.asList(all.split("\n__ggml_vocab_test__\n", -1)));
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) out.remove(out.size() - 1);
        return out;
    }
}
