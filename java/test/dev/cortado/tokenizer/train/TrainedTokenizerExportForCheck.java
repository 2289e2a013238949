package dev.cortado.tokenizer.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.Progress;
import dev.cortado.TestFiles;
import dev.cortado.tokenizer.PreTokenizers;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Not a unit test: trains Shakespeare tokenizers with every named pattern and writes, for
 * {@code tools/tokenizer-train-check-hf.sh}, the ids the reference merge-rank encoder gives for test
 * lines; the script checks that Hugging Face's {@code tokenizers} loads each tokenizer.json and gives
 * the same ids. Runs only when {@code -Dcortado.trainExport=DIR} is given.
 */
class TrainedTokenizerExportForCheck {
    static final List<String> LINES = List.of("Hello world! It's 2024, isn't it?", "  indented\tand\ttabbed  ",
            "First Citizen:\nBefore we proceed any further, hear me speak.", "café naïve 東京 😀 — “quotes”",
            "numbers 1234567 and 3.14159", "trailing spaces   \n\n\nnewlines", "x", "");

    @Test
    void export() throws Exception {
        String dir = System.getProperty("cortado.trainExport");
        Assumptions.assumeTrue(dir != null, "only with -Dcortado.trainExport=DIR (tools/tokenizer-train-check-hf.sh)");
        Path out = Path.of(dir).toAbsolutePath();
        Path corpus = TestFiles.sharedFile("corpus/tinyshakespeare.txt");
        List<String> text = new java.util.ArrayList<>(LINES);
        List<String> all = Files.readAllLines(corpus);
        for (int i = 0; i < all.size(); i += 97) text.add(all.get(i));
        ArrayNode manifest = new ObjectMapper().createArrayNode();
        for (String pattern : List.of("gpt2", "cl100k", "o200k", "llama3")) {
            for (int vocab : new int[] {2000, 8000}) {
                Path d = out.resolve(pattern + "-" + vocab);
                TrainOptions o = TrainOptions.of(List.of(corpus), vocab).withPattern(pattern)
                        .withSpecialTokens(List.of("<|endoftext|>", "<|im_start|>"));
                BpeTrainer.Result r = new BpeTrainer(o).train(Progress.NONE);
                TrainedTokenizerWriter.commit(r.tokenizer(), r.summary(), TrainedTokenizerWriter.prepare(d), d);
                String regex = switch (pattern) {
                    case "gpt2" -> PreTokenizers.GPT2;
                    case "llama3" -> PreTokenizers.LLAMA3;
                    case "cl100k" -> Patterns.CL100K;
                    default -> Patterns.O200K;
                };
                ReferenceBpe.Encoder enc = new ReferenceBpe.Encoder(d.resolve("tokenizer.json"), regex);
                ObjectNode e = manifest.addObject().put("name", pattern + "-" + vocab)
                        .put("tokenizer", d.resolve("tokenizer.json").toString());
                ArrayNode cases = e.putArray("cases");
                for (String line : text) {
                    ObjectNode c = cases.addObject().put("text", line);
                    ArrayNode ids = c.putArray("ids");
                    enc.encode(line).forEach(ids::add);
                }
            }
        }
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("manifest.json").toFile(), manifest);
    }
}
