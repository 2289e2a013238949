package dev.cortado.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.CortadoException;
import dev.cortado.tokenizer.train.BpeTrainer;
import dev.cortado.tokenizer.train.PieceCounter;
import dev.cortado.tokenizer.train.TrainedTokenizer;
import dev.cortado.tokenizer.train.TrainedTokenizerWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import scala.Tuple2;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Trains a byte-level BPE tokenizer on Spark: executors pre-tokenize their share of the corpus and
 * count pieces, Spark sums the counts by piece (no raw text reaches the driver), rare pieces are pruned
 * on the executors, and the driver runs Cortado's merge loop on what is left. Plain text is cut where
 * {@code cortado tokenizer train} cuts it, so with no pruning the result is byte for byte the
 * tokenizer {@code cortado tokenizer train --held-out 0} makes of the same files and options.
 */
@Command(name = "train-tokenizer", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a byte-level BPE tokenizer on Spark from text, JSON Lines (.gz of either) and Parquet",
            "at any Hadoop path. Writes OUT/tokenizer.json, OUT/tokenizer.tiktoken and OUT/summary.json."})
public final class TrainTokenizer implements Callable<Integer> {
    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH",
            description = "files or directories: text, .jsonl/.ndjson, .gz of either, .parquet")
    List<String> inputs;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the directory to write")
    String out;

    @Option(names = "--vocab-size", required = true, paramLabel = "N") int vocabSize;

    @Option(names = "--min-frequency", paramLabel = "F", defaultValue = "0",
            description = "merge only pairs seen at least F times (default ${DEFAULT-VALUE}: any)")
    long minFrequency;

    @Option(names = "--special-tokens", paramLabel = "LIST", split = ",") List<String> specialTokens = new ArrayList<>();

    @Option(names = "--pattern", paramLabel = "NAME|REGEX", defaultValue = "gpt2") String pattern;

    @Option(names = "--max-token-length", paramLabel = "L") Integer maxTokenLength;

    @Option(names = "--jsonl-field", paramLabel = "NAME", defaultValue = "text") String jsonlField;

    @Option(names = "--text-column", paramLabel = "NAME", defaultValue = "text",
            description = "the Parquet column holding the text (default ${DEFAULT-VALUE})")
    String textColumn;

    @Option(names = "--min-word-count", paramLabel = "N", defaultValue = "0",
            description = "drop pieces seen fewer than N times in the whole corpus, on the executors")
    long minWordCount;

    @Option(names = "--max-words", paramLabel = "N", defaultValue = "0",
            description = "the most distinct pieces the driver takes (its memory budget): rarer ones are dropped"
                    + " below the smallest power-of-two count that fits (0: no limit)")
    long maxWords;

    @Option(names = "--chunks-per-task", paramLabel = "N", defaultValue = "32",
            description = "1 MiB chunks of plain text per task (default ${DEFAULT-VALUE})")
    int chunksPerTask;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (spark-submit sets it)") String master;

    /** The figures the run reports (also in summary.json). */
    public record Summary(int files, long inputBytes, long pieces, long distinct, long invalidUtf8Bytes,
                          long prunedWords, long prunedOccurrences, long pruneMinCount, int merges, int vocabSize,
                          double countSeconds, double mergeSeconds) {}

    public static void main(String[] args) {
        SparkJobs.main(new TrainTokenizer(), args);
    }

    @Override
    public Integer call() {
        SparkSession spark = SparkJobs.session("cortado train-tokenizer", master);
        try {
            Summary s = run(spark);
            System.out.printf(Locale.ROOT, "%s: vocabulary %,d (%,d merges), %d files, %,d bytes, %,d words (%,d distinct)%n",
                    out, s.vocabSize(), s.merges(), s.files(), s.inputBytes(), s.pieces(), s.distinct());
            if (s.prunedWords() > 0)
                System.out.printf(Locale.ROOT, "  pruned %,d distinct words (%,d occurrences) seen < %d times%n",
                        s.prunedWords(), s.prunedOccurrences(), s.pruneMinCount());
            System.out.printf(Locale.ROOT, "  time: counting %.2f s, merging %.2f s%n", s.countSeconds(), s.mergeSeconds());
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** Trains and writes the output; returns the run's figures. */
    public Summary run(SparkSession spark) {
        long t0 = System.nanoTime();
        int maxLen = maxTokenLength == null ? Integer.MAX_VALUE : maxTokenLength;
        BpeTrainer.mergeCounted(new PieceCounter(pattern), vocabSize, minFrequency, maxLen, specialTokens, pattern, c -> {});  // checks the options before any work
        if (chunksPerTask < 1) throw new CortadoException("--chunks-per-task must be at least 1");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = jsc.hadoopConfiguration();
        SparkJobs.HadoopConf hconf = new SparkJobs.HadoopConf(conf);
        List<FileStatus> files = SparkJobs.expand(inputs, conf);
        if (files.isEmpty()) throw new CortadoException("no input files in " + inputs);

        List<TextChunks.Work> text = new ArrayList<>();
        List<String> jsonl = new ArrayList<>(), parquet = new ArrayList<>();
        long inputBytes = 0;
        for (FileStatus f : files) {
            inputBytes += f.getLen();
            String name = f.getPath().getName();
            if (SparkJobs.isParquet(name)) parquet.add(f.getPath().toString());
            else if (SparkJobs.isJsonl(name)) jsonl.add(f.getPath().toString());
            else text.addAll(TextChunks.plan(f.getPath(), f.getLen(), chunksPerTask, conf));
        }
        LongAccumulator invalid = jsc.sc().longAccumulator("invalid UTF-8 bytes");
        String pat = pattern, field = jsonlField;
        List<JavaPairRDD<String, Long>> parts = new ArrayList<>();
        if (!text.isEmpty()) {
            parts.add(jsc.parallelize(text, text.size()).mapPartitionsToPair(it -> {
                PieceCounter c = new PieceCounter(pat);
                Configuration hc = hconf.get();
                while (it.hasNext()) TextChunks.count(it.next(), c, hc);
                invalid.add(c.invalidUtf8Bytes());
                return pairs(c);
            }));
        }
        if (!jsonl.isEmpty()) {
            JavaRDD<String> lines = spark.read().textFile(jsonl.toArray(String[]::new)).javaRDD();
            parts.add(lines.mapPartitionsToPair(it -> {
                PieceCounter c = new PieceCounter(pat);
                ObjectMapper m = new ObjectMapper();
                while (it.hasNext()) {
                    String line = it.next();
                    if (line.isBlank()) continue;
                    com.fasterxml.jackson.databind.JsonNode node;
                    try {
                        node = m.readTree(line);
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new CortadoException("a JSON Lines input has a line that is not valid JSON ("
                                + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
                    }
                    com.fasterxml.jackson.databind.JsonNode v = node == null || !node.isObject() ? null : node.get(field);
                    if (v == null || !v.isTextual() || v.textValue().isEmpty()) continue;
                    byte[] b = v.textValue().getBytes(StandardCharsets.UTF_8);
                    c.countDocument(b, 0, b.length);
                }
                invalid.add(c.invalidUtf8Bytes());
                return pairs(c);
            }));
        }
        if (!parquet.isEmpty()) {
            String col = textColumn;
            JavaRDD<Row> rows = spark.read().parquet(parquet.toArray(String[]::new)).select(col).javaRDD();
            parts.add(rows.mapPartitionsToPair(it -> {
                PieceCounter c = new PieceCounter(pat);
                while (it.hasNext()) {
                    Row r = it.next();
                    if (r.isNullAt(0)) continue;
                    byte[] b = r.getString(0).getBytes(StandardCharsets.UTF_8);
                    c.countDocument(b, 0, b.length);
                }
                return pairs(c);
            }));
        }
        JavaPairRDD<String, Long> all = parts.get(0);
        for (int i = 1; i < parts.size(); i++) all = all.union(parts.get(i));
        JavaPairRDD<String, Long> counts = all.reduceByKey(Long::sum).persist(StorageLevel.MEMORY_AND_DISK_SER());

        // pruning, on the executors: first the floor, then the budget's power-of-two threshold
        long[][] hist = histogram(counts);
        long floor = Math.max(0, minWordCount);
        if (maxWords > 0) {
            long t = Math.max(1, floor);
            while (wordsAtLeast(hist, t) > maxWords) t = t < 2 ? 2 : t * 2;
            floor = Math.max(floor, t);
        }
        long prunedWords = 0, prunedOcc = 0, pieces = 0, distinct = 0;
        for (int k = 0; k < 64; k++) {
            pieces += hist[1][k];
            distinct += hist[0][k];
        }
        long keepFrom = floor;
        JavaPairRDD<String, Long> kept = keepFrom <= 1 ? counts : counts.filter(p -> p._2() >= keepFrom);
        PieceCounter words = new PieceCounter(pattern);
        Iterator<Tuple2<String, Long>> it = kept.toLocalIterator();
        while (it.hasNext()) {
            Tuple2<String, Long> p = it.next();
            words.add(p._1().getBytes(StandardCharsets.ISO_8859_1), p._2());
        }
        counts.unpersist(false);
        if (keepFrom > 1) {
            prunedWords = distinct - words.distinct();
            prunedOcc = pieces - words.pieces();
        }
        long t1 = System.nanoTime();
        TrainedTokenizer tok = BpeTrainer.mergeCounted(words, vocabSize, minFrequency, maxLen, specialTokens, pattern, c -> {});
        long t2 = System.nanoTime();
        Summary s = new Summary(files.size(), inputBytes, pieces, distinct, invalid.value(), prunedWords, prunedOcc,
                keepFrom > 1 ? keepFrom : 0, tok.merges().length, tok.vocabSize(), (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        Path dir = new Path(out);
        SparkJobs.writeBytes(new Path(dir, "tokenizer.json"), TrainedTokenizerWriter.tokenizerJsonBytes(tok), conf);
        SparkJobs.writeBytes(new Path(dir, "tokenizer.tiktoken"), TrainedTokenizerWriter.tiktoken(tok), conf);
        SparkJobs.writeBytes(new Path(dir, "summary.json"), summaryJson(s), conf);
        return s;
    }

    /** A counter's pieces as (bytes as an ISO-8859-1 string, count): one char per byte, equal when the bytes are. */
    private static Iterator<Tuple2<String, Long>> pairs(PieceCounter c) {
        List<Tuple2<String, Long>> out = new ArrayList<>(c.distinct());
        c.forEach((piece, n) -> out.add(new Tuple2<>(new String(piece, StandardCharsets.ISO_8859_1), n)));
        return out.iterator();
    }

    /** Distinct pieces [0] and occurrences [1] by floor(log2(count)). */
    private static long[][] histogram(JavaPairRDD<String, Long> counts) {
        return counts.aggregate(new long[2][64], (h, p) -> {
            int k = 63 - Long.numberOfLeadingZeros(p._2());
            h[0][k]++;
            h[1][k] += p._2();
            return h;
        }, (a, b) -> {
            for (int k = 0; k < 64; k++) {
                a[0][k] += b[0][k];
                a[1][k] += b[1][k];
            }
            return a;
        });
    }

    /** Distinct pieces counted at least t times, t a power of two. */
    private static long wordsAtLeast(long[][] hist, long t) {
        long n = 0;
        for (int k = 63 - Long.numberOfLeadingZeros(t); k < 64; k++) n += hist[0][k];
        return n;
    }

    private static byte[] summaryJson(Summary s) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("vocab_size", s.vocabSize()).put("merges", s.merges()).put("files", s.files())
                .put("input_bytes", s.inputBytes()).put("pieces", s.pieces()).put("distinct_pieces", s.distinct())
                .put("invalid_utf8_bytes", s.invalidUtf8Bytes()).put("pruned_pieces", s.prunedWords())
                .put("pruned_occurrences", s.prunedOccurrences()).put("prune_min_count", s.pruneMinCount())
                .put("count_seconds", s.countSeconds()).put("merge_seconds", s.mergeSeconds());
        try {
            return (new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
