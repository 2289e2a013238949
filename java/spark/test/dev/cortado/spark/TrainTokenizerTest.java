package dev.cortado.spark;

import dev.cortado.TestFiles;
import dev.cortado.tokenizer.train.BpeTrainer;
import dev.cortado.tokenizer.train.TrainOptions;
import dev.cortado.tokenizer.train.TrainedTokenizerWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Spark trainer makes byte for byte the tokenizer the single-machine trainer makes of the same files. */
class TrainTokenizerTest {
    @TempDir
    Path tmp;

    /** What `cortado tokenizer train --held-out 0` writes. */
    private Path singleMachine(List<Path> inputs, int vocab, List<String> specials, String pattern) {
        TrainOptions o = TrainOptions.of(inputs, vocab).withHeldOut(0).withThreads(2).withSpecialTokens(specials)
                .withPattern(pattern).withMemoryBudget(1L << 30);
        Path out = tmp.resolve("single");
        Path t = TrainedTokenizerWriter.prepare(out);
        BpeTrainer.Result r = new BpeTrainer(o).train(dev.cortado.Progress.NONE);
        TrainedTokenizerWriter.commit(r.tokenizer(), r.summary(), t, out);
        return out;
    }

    private Path spark(List<Path> inputs, String... options) {
        Path out = tmp.resolve("spark");
        List<String> args = new ArrayList<>();
        args.add("--input");
        for (Path p : inputs) args.add(p.toString());
        args.addAll(List.of("--out", out.toString()));
        args.addAll(List.of(options));
        TrainTokenizer job = new TrainTokenizer();
        new CommandLine(job).parseArgs(args.toArray(String[]::new));
        job.run(SparkTests.spark());
        return out;
    }

    private static void assertSameFiles(Path a, Path b) throws Exception {
        for (String f : List.of("tokenizer.json", "tokenizer.tiktoken"))
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
    }

    @Test
    void shakespeareAndWarAndPeaceMatchTheSingleMachineTrainer() throws Exception {
        List<Path> in = List.of(TestFiles.sharedFile("corpus/tinyshakespeare.txt"), TestFiles.sharedFile("corpus/war-and-peace.txt"));
        Path single = singleMachine(in, 2000, List.of("<|endoftext|>"), "gpt2");
        // 1 chunk per task: the cuts between tasks fall where the single-machine reader cuts
        Path spark = spark(in, "--vocab-size", "2000", "--special-tokens", "<|endoftext|>", "--chunks-per-task", "1");
        assertSameFiles(single, spark);
    }

    @Test
    void gzipAndJsonLinesMatchToo() throws Exception {
        Path text = TestFiles.sharedFile("corpus/tinyshakespeare.txt");
        Path gz = tmp.resolve("shakespeare.txt.gz");
        try (var out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(Files.readAllBytes(text));
        }
        Path jsonl = tmp.resolve("docs.jsonl");
        StringBuilder sb = new StringBuilder();
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String para : Files.readString(TestFiles.sharedFile("corpus/kjv.txt")).substring(0, 400_000).split("\n\n"))
            sb.append(mapper.writeValueAsString(java.util.Map.of("text", para, "id", 1))).append('\n');
        Files.writeString(jsonl, sb.toString(), StandardCharsets.UTF_8);
        List<Path> in = List.of(gz, jsonl);
        Path single = singleMachine(in, 1000, List.of(), "cl100k");
        Path spark = spark(in, "--vocab-size", "1000", "--pattern", "cl100k");
        assertSameFiles(single, spark);
    }

    @Test
    void theWordBudgetPrunesAndSaysSo() throws Exception {
        Path in = TestFiles.sharedFile("corpus/tinyshakespeare.txt");
        Path out = spark(List.of(in), "--vocab-size", "600", "--max-words", "3000");
        String summary = Files.readString(out.resolve("summary.json"));
        var n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(summary);
        assertTrue(n.get("pruned_pieces").asLong() > 0, summary);
        assertTrue(n.get("distinct_pieces").asLong() - n.get("pruned_pieces").asLong() <= 3000, summary);
        assertEquals(600, n.get("vocab_size").asInt());
    }

    @Test
    void aBadJsonLineFailsTheJobWithTheReason() throws Exception {
        Path jsonl = tmp.resolve("bad.jsonl");
        Files.writeString(jsonl, "{\"text\": \"fine\"}\n{\"text\": oops}\n");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> spark(List.of(jsonl), "--vocab-size", "300"));
        assertTrue(String.valueOf(e.getMessage()).contains("not valid JSON"), e.getMessage());
        Path missing = tmp.resolve("nope.txt");
        dev.cortado.CortadoException m = org.junit.jupiter.api.Assertions.assertThrows(dev.cortado.CortadoException.class,
                () -> spark(List.of(missing), "--vocab-size", "300"));
        assertTrue(m.getMessage().contains("nope.txt"), m.getMessage());
    }
}
