package dev.cortado.model;

import dev.cortado.TestFiles;
import dev.cortado.tensor.TensorType;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The engine reproduces llama2.c's greedy outputs for stories260K byte for byte, from the llama2.c
 * checkpoint and from the GGUF Cortado writes of it.
 */
class GenerationTest {
    @TempDir
    Path tmp;

    /** llama2.c's `run -t 0 -n steps -i prompt`: prompt echo (after BOS) + continuation + "\n". */
    static String llama2cRun(Path model, String prompt, int steps) {
        try (ModelFile f = ModelLoader.open(model); Transformer t = new Transformer(f, 0, 32)) {
            Tokenizer tok = Tokenizers.of(f.tokenizer());
            int[] ids = tok.encodeForModel(prompt);
            Generator g = new Generator(t, tok, new Sampler(Sampler.Settings.greedy()));
            // llama2.c's steps count positions: `steps` forward passes, the first prompt.length - 1 replay the prompt
            StringBuilder gen = new StringBuilder();
            Generator.Result r = g.generate(ids, steps - ids.length + 1, true, (id, text) -> gen.append(text));
            String text = gen.toString();
            System.out.printf("%s: %d prompt tokens, %d generated, %.0f tok/s prompt, %.0f tok/s generate%n",
                    model.getFileName(), ids.length, r.generated().length, r.promptTokensPerSecond(), r.generateTokensPerSecond());
            return text + "\n";
        }
    }

    @Test
    void stories260kGreedyFromBos() throws Exception {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        String want = Files.readString(bin.resolveSibling("expected_greedy_200.txt"), StandardCharsets.UTF_8);
        assertEquals(want, llama2cRun(bin, "", 200));
    }

    @Test
    void stories260kGreedyWithPrompt() throws Exception {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        String want = Files.readString(bin.resolveSibling("expected_greedy_prompt_once_upon_a_time_100.txt"), StandardCharsets.UTF_8);
        assertEquals(want, llama2cRun(bin, "Once upon a time", 100));
    }

    @Test
    void stories260kGgufGreedy() throws Exception {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        Path gguf = tmp.resolve("stories.gguf");
        try (ModelFile f = ModelLoader.open(bin)) {
            ModelWriter.writeGguf(f, gguf, null, dev.cortado.Progress.NONE);
        }
        assertEquals(Files.readString(bin.resolveSibling("expected_greedy_200.txt"), StandardCharsets.UTF_8), llama2cRun(gguf, "", 200));
        assertEquals(Files.readString(bin.resolveSibling("expected_greedy_prompt_once_upon_a_time_100.txt"), StandardCharsets.UTF_8),
                llama2cRun(gguf, "Once upon a time", 100));
    }
}
