package dev.cortado.tokenizer.bpe;

import dev.cortado.TestFiles;
import dev.cortado.tokenizer.Tokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * llama.cpp's tokenizer test pairs (tests/test-tokenizer-0): every case of X.gguf.inp must encode to the
 * ids on the same line of X.gguf.out (no BOS, special tokens not parsed). bert-bge is WordPiece and the
 * SentencePiece vocabularies (llama-spm, phi-3, baichuan, gemma-4) belong to the SentencePiece tokenizer;
 * command-r and qwen35 have no GGUF and no tokenizer.json here; gpt-neox has a GGUF but no pairs.
 */
class LlamaCppVocabConformanceTest {
    private static final String DIR = "tokenizers/llama.cpp-vocab/";

    @ParameterizedTest
    @ValueSource(strings = {"gpt-2", "falcon", "mpt", "starcoder", "refact", "deepseek-coder", "deepseek-llm"})
    void ggufVocabularyMatchesLlamaCpp(String name) throws IOException {
        Path gguf = TestFiles.sharedFile(DIR + "ggml-vocab-" + name + ".gguf");
        check(ByteLevelBpe.fromGguf(gguf), name);
    }

    /** gpt-neox has no pairs and no tokenizer.ggml.pre: llama.cpp's "default" pre-tokenizer; it must load and round-trip. */
    @org.junit.jupiter.api.Test
    void gptNeoxLoadsWithTheDefaultPreTokenizer() throws IOException {
        Tokenizer t = ByteLevelBpe.fromGguf(TestFiles.sharedFile(DIR + "ggml-vocab-gpt-neox.gguf"));
        for (String s : cases(TestFiles.sharedFile(DIR + "ggml-vocab-gpt-2.gguf.inp"))) assertEquals(s, t.decode(t.encodeOrdinary(s)));
    }

    @ParameterizedTest
    @CsvSource({"llama-bpe, llama3", "qwen2, qwen3"})
    void huggingFaceTokenizerMatchesLlamaCppPairs(String pairs, String hf) throws IOException {
        Path json = TestFiles.sharedFile("tokenizers/hf/" + hf + "/tokenizer.json");
        check(ByteLevelBpe.fromHuggingFace(json), pairs);
    }

    static void check(Tokenizer tok, String name) throws IOException {
        List<String> inputs = cases(TestFiles.sharedFile(DIR + "ggml-vocab-" + name + ".gguf.inp"));
        List<String> outputs = Files.readAllLines(TestFiles.sharedFile(DIR + "ggml-vocab-" + name + ".gguf.out"));
        assertEquals(inputs.size(), outputs.size(), name + ": cases vs expected lines");
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String line = outputs.get(i).trim();
            int[] want = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            int[] got = tok.encodeOrdinary(inputs.get(i));
            if (!Arrays.equals(want, got))
                failures.add("case " + i + " " + quote(inputs.get(i)) + ": want " + Arrays.toString(want) + " got " + Arrays.toString(got));
        }
        if (!failures.isEmpty()) fail(name + ": " + failures.size() + "/" + inputs.size() + " cases differ:\n" + String.join("\n", failures));
    }

    /** Cases are each followed by "\n__ggml_vocab_test__\n". */
    static List<String> cases(Path inp) throws IOException {
        String all = Files.readString(inp, StandardCharsets.UTF_8);
        String sep = "\n__ggml_vocab_test__\n";
        List<String> out = new ArrayList<>();
        int from = 0;
        for (int at; (at = all.indexOf(sep, from)) >= 0; from = at + sep.length()) out.add(all.substring(from, at));
        return out;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "\"";
    }
}
