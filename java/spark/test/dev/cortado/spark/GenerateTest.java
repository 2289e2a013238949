package dev.cortado.spark;

import dev.cortado.TestFiles;
import dev.cortado.model.Generator;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.ModelWriter;
import dev.cortado.model.Sampler;
import dev.cortado.model.Transformer;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Batch generation on Spark gives, row by row, what the single-machine generator gives (stories260K). */
class GenerateTest {
    @TempDir
    static Path tmp;
    static Path gguf;

    static final List<String> PROMPTS = List.of("Once upon a time", "", "The cat sat", "Lily went to the park",
            "Tom had a big red ball", "One day", "The sun was hot", "Mom said");

    @BeforeAll
    static void model() throws Exception {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        gguf = tmp.resolve("stories260K.gguf");
        try (ModelFile f = ModelLoader.open(bin)) {
            ModelWriter.writeGguf(f, gguf, null, dev.cortado.Progress.NONE);
        }
        Files.write(tmp.resolve("prompts.txt"), PROMPTS);
    }

    private List<Row> spark(String out, String... extra) {
        List<String> args = new ArrayList<>(List.of("--input", tmp.resolve("prompts.txt").toString(), "--model",
                gguf.toString(), "--out", tmp.resolve(out).toString(), "--partitions", "3"));
        args.addAll(List.of(extra));
        Generate job = new Generate();
        new CommandLine(job).parseArgs(args.toArray(String[]::new));
        assertEquals(PROMPTS.size(), job.run(SparkTests.spark()));
        List<Row> rows = new ArrayList<>(SparkTests.spark().read().parquet(tmp.resolve(out).toString()).collectAsList());
        rows.sort(Comparator.comparingLong(r -> r.getLong(0)));
        return rows;
    }

    /** `cortado generate -p PROMPT --no-echo` with these settings, in this JVM. */
    private static String single(String prompt, int n, Sampler.Settings s) {
        try (ModelFile f = ModelLoader.open(gguf); Transformer t = new Transformer(f, 0, 32)) {
            Tokenizer tok = Tokenizers.of(f.tokenizer());
            StringBuilder sb = new StringBuilder();
            new Generator(t, tok, new Sampler(s)).generate(tok.encodeForModel(prompt), n, false, (id, x) -> sb.append(x));
            return sb.toString();
        }
    }

    @Test
    void greedyRowsEqualTheSingleMachineGenerator() {
        List<Row> rows = spark("greedy", "--temp", "0", "-n", "60");
        assertEquals(PROMPTS.size(), rows.size());
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertEquals(i, rows.get(i).getLong(0));
            assertEquals(PROMPTS.get(i), rows.get(i).getString(1));
            assertEquals(single(PROMPTS.get(i), 60, Sampler.Settings.greedy()), rows.get(i).getString(2), "row " + i);
        }
    }

    @Test
    void sampledRowsUseTheSeedPlusTheRowIndex() {
        List<Row> rows = spark("sampled", "--temp", "0.8", "--seed", "42", "-n", "40");
        for (int i = 0; i < PROMPTS.size(); i++) {
            Sampler.Settings s = new Sampler.Settings(0.8f, 40, 0.95f, 0.05f, 1f, 64, 42 + i);
            assertEquals(single(PROMPTS.get(i), 40, s), rows.get(i).getString(2), "row " + i);
        }
    }

    @Test
    void scoringGivesEachRowsLogProbability() {
        List<Row> rows = spark("scored", "--score");
        try (ModelFile f = ModelLoader.open(gguf); Transformer t = new Transformer(f, 0, 32)) {
            Tokenizer tok = Tokenizers.of(f.tokenizer());
            for (int i = 0; i < PROMPTS.size(); i++) {
                int[] ids = tok.encodeForModel(PROMPTS.get(i));
                double want = 0;
                for (int k = 1; k < ids.length; k++) {  // one token at a time through the plain forward pass
                    float[] logits = t.forward(new int[] {ids[k - 1]}, k - 1);
                    want += Generate.logSoftmax(logits, 0, logits.length, ids[k]);
                }
                assertEquals(ids.length - 1, rows.get(i).getInt(2));
                assertEquals(want, rows.get(i).getDouble(3), 1e-3 * Math.max(1, Math.abs(want)), "row " + i);
            }
        }
    }
}
