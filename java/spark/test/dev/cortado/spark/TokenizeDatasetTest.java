package dev.cortado.spark;

import dev.cortado.TestFiles;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import dev.cortado.train.TokenShard;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Shards decode back to the input, in order, even when every task's first attempt dies mid-write. */
class TokenizeDatasetTest {
    @TempDir
    Path tmp;

    private static final int EOT = 50256;  // r50k_base's <|endoftext|>

    private List<String> writeInput() throws Exception {
        List<String> lines = Files.readAllLines(TestFiles.sharedFile("corpus/tinyshakespeare.txt")).subList(0, 6000);
        Files.createDirectories(tmp.resolve("in"));
        for (int f = 0; f < 3; f++) Files.write(tmp.resolve("in/part-" + f + ".txt"), lines.subList(f * 2000, f * 2000 + 2000));
        return lines;
    }

    private TokenizeDataset.Summary run(String... extra) {
        List<String> args = new ArrayList<>(List.of("--input", tmp.resolve("in").toString(), "--tokenizer", "r50k_base",
                "--out", tmp.resolve("out").toString(), "--separator", String.valueOf(EOT), "--partitions", "5"));
        args.addAll(List.of(extra));
        TokenizeDataset job = new TokenizeDataset();
        new CommandLine(job).parseArgs(args.toArray(String[]::new));
        return job.run(SparkTests.spark());
    }

    /** The documents the shards hold, in shard order. */
    private List<String> decodeShards(Tokenizer tok) throws Exception {
        List<String> docs = new ArrayList<>();
        List<Path> shards;
        try (Stream<Path> s = Files.list(tmp.resolve("out"))) {
            shards = s.filter(p -> p.getFileName().toString().startsWith("shard-")).sorted().toList();
        }
        for (Path p : shards) {
            int[] ids = TokenShard.read(p);
            assertEquals(TokenShard.DType.UINT16, TokenShard.readHeader(p).dtype());
            int from = 0;
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] != EOT) continue;
                docs.add(tok.decode(Arrays.copyOfRange(ids, from, i)));
                from = i + 1;
            }
            assertEquals(ids.length, from, p + " ends inside a document");
        }
        return docs;
    }

    @Test
    void shardsDecodeBackToTheInput() throws Exception {
        List<String> lines = writeInput();
        TokenizeDataset.Summary s = run("--parquet");
        Tokenizer tok = Tokenizers.load("r50k_base");
        List<String> docs = decodeShards(tok);
        // repartition shuffles rows between shards: compare as multisets, and the count exactly
        assertEquals(lines.size(), s.documents());
        assertEquals(sorted(lines), sorted(docs));
        List<Row> rows = SparkTests.spark().read().parquet(tmp.resolve("out/ids.parquet").toString()).collectAsList();
        assertEquals(lines.size(), rows.size());
    }

    @Test
    void aTaskThatDiesIsRetriedWithoutDuplicatesOrLosses() throws Exception {
        List<String> lines = writeInput();
        TokenizeDataset.Summary s = run("--test-fail-first-attempt");
        List<String> docs = decodeShards(Tokenizers.load("r50k_base"));
        assertEquals(lines.size(), s.documents());
        assertEquals(sorted(lines), sorted(docs));
        try (Stream<Path> st = Files.list(tmp.resolve("out"))) {
            assertEquals(5, st.filter(p -> p.getFileName().toString().startsWith("shard-")).count());
        }
    }

    private static List<String> sorted(List<String> l) {
        List<String> c = new ArrayList<>(l);
        c.sort(null);
        return c;
    }
}
