package dev.cortado.tokenizer.wpm;

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
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** WordPiece against llama.cpp's test pairs for its BERT (bge) vocabulary. */
class WordPieceTest {
    static Tokenizer bge() {
        Path gguf = TestFiles.sharedFile("tokenizers/llama.cpp-vocab/ggml-vocab-bert-bge.gguf");
        try (GgufFile g = GgufFile.open(gguf)) {
            return Tokenizers.of(TokenizerFiles.fromGguf(g.metadata()));
        }
    }

    @Test
    void llamaCppBertPairs() throws Exception {
        Tokenizer t = bge();
        Path inp = TestFiles.sharedFile("tokenizers/llama.cpp-vocab/ggml-vocab-bert-bge.gguf.inp");
        List<String> inputs = cases(inp);
        List<String> outputs = Files.readAllLines(inp.resolveSibling("ggml-vocab-bert-bge.gguf.out"), StandardCharsets.UTF_8);
        assertEquals(inputs.size(), outputs.size());
        int failures = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < inputs.size(); i++) {
            int[] want = outputs.get(i).isBlank() ? new int[0]
                    : Arrays.stream(outputs.get(i).trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
            int[] got = t.encode(inputs.get(i));
            if (!Arrays.equals(want, got)) {
                failures++;
                report.append("\n  [").append(inputs.get(i)).append("] want ").append(Arrays.toString(want))
                        .append(" got ").append(Arrays.toString(got));
            }
        }
        assertEquals(0, failures, failures + "/" + inputs.size() + " differ" + report);
    }

    @Test
    void clsAndSepAroundTheTextAndSpecialsRecognised() {
        Tokenizer t = bge();
        assertArrayEquals(new int[] {101, 7592, 2088, 102}, t.encodeForModel("Hello world"));
        assertArrayEquals(new int[] {7592, 103, 2088}, t.encode("Hello[MASK] world"));
        assertEquals("hello world", t.decode(t.encodeForModel("Hello World")));
    }

    @Test
    void offsetsPointAtTheSourceText() {
        Tokenizer t = bge();
        String text = "Äpfel, ok";
        Tokenizer.Encoding e = t.encodeWithOffsets(text);
        assertEquals(e.ids().length, e.starts().length);
        assertEquals(0, e.starts()[0]);
        assertEquals(text.length(), e.ends()[e.ends().length - 1]);
        assertEquals(",", text.substring(e.starts()[e.ids().length - 2], e.ends()[e.ids().length - 2]));
    }

    @Test
    void oddInputAndLongWordsComplete() {
        Tokenizer t = bge();
        t.encode("a\uD800b\u0000c\uDFFF \uFFFD");
        String longWord = "ab".repeat(500_000);
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> t.encode(longWord));
    }

    static List<String> cases(Path inp) throws Exception {
        String all = Files.readString(inp, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>(Arrays.asList(all.split("\n__ggml_vocab_test__\n", -1)));
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) out.remove(out.size() - 1);
        return out;
    }
}
