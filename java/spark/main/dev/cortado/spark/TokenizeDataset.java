package dev.cortado.spark;

import dev.cortado.CortadoException;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import dev.cortado.train.TokenShard;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import scala.Tuple2;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * Encodes a dataset with any Cortado tokenizer into training shards ({@link TokenShard}: one
 * OUT/shard-NNNNN.bin per input partition, in the input's order) and, with {@code --parquet}, a
 * Parquet table of ids (OUT/ids.parquet: doc, ids). A shard is written under OUT/_temporary by each
 * task attempt and renamed into place by the driver for the one attempt Spark took, so a retried
 * or speculative task never leaves a duplicate or a half-written shard.
 */
@Command(name = "tokenize-dataset", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Encode a dataset (Parquet, JSON Lines, text lines) into Cortado token shards for pretrain/finetune.")
public final class TokenizeDataset implements Callable<Integer> {
    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH") List<String> inputs;

    @Option(names = "--tokenizer", required = true, paramLabel = "NAME|PATH",
            description = "a tiktoken name, tokenizer.json, .tiktoken or .gguf (readable on every executor)")
    String tokenizer;

    @Option(names = "--out", required = true, paramLabel = "DIR") String out;

    @Option(names = "--field", paramLabel = "NAME", defaultValue = "text",
            description = "the Parquet column or JSON Lines field with the text (default ${DEFAULT-VALUE})")
    String field;

    @Option(names = "--separator", paramLabel = "ID|eos|none", defaultValue = "eos",
            description = "the token after each document: the tokenizer's end-of-sequence id (default), an id, or none")
    String separator;

    @Option(names = "--bos", description = "put the tokenizer's BOS before each document where the model adds one")
    boolean bos;

    @Option(names = "--parquet", description = "also write OUT/ids.parquet (doc, ids)") boolean parquet;

    @Option(names = "--partitions", paramLabel = "N", description = "repartition the input into N shards first")
    Integer partitions;

    @Option(names = "--master", paramLabel = "URL") String master;

    /** For the retry test: every task's first attempt dies after writing half its shard. */
    @Option(names = "--test-fail-first-attempt", hidden = true) boolean failFirstAttempt;

    /** What one task did. */
    static final class TaskResult implements Serializable {  // a class: Spark's Kryo cannot build records
        int partition;
        String tmpFile, executor;
        long docs, tokens;
        double seconds;

        TaskResult() {}

        TaskResult(int partition, String tmpFile, long docs, long tokens, double seconds, String executor) {
            this.partition = partition;
            this.tmpFile = tmpFile;
            this.docs = docs;
            this.tokens = tokens;
            this.seconds = seconds;
            this.executor = executor;
        }
    }

    /** The run's figures. */
    public record Summary(int shards, long documents, long tokens, Map<String, Double> tokensPerSecondByExecutor) {}

    public static void main(String[] args) {
        SparkJobs.main(new TokenizeDataset(), args);
    }

    @Override
    public Integer call() {
        SparkSession spark = SparkJobs.session("cortado tokenize-dataset", master);
        try {
            Summary s = run(spark);
            System.out.printf(Locale.ROOT, "%s: %d shards, %,d documents, %,d tokens%n", out, s.shards(), s.documents(), s.tokens());
            s.tokensPerSecondByExecutor().forEach((e, tps) ->
                    System.out.printf(Locale.ROOT, "  executor %s: %,.0f tokens/s%n", e, tps));
        } finally {
            spark.stop();
        }
        return 0;
    }

    public Summary run(SparkSession spark) {
        Tokenizer tok = Tokenizers.load(tokenizer);  // fails here, on the driver, for a bad name or file
        int sep = separatorId(tok);
        TokenShard.DType dtype = TokenShard.DType.forVocabulary(tok.vocabSize());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = jsc.hadoopConfiguration();
        SparkJobs.HadoopConf hconf = new SparkJobs.HadoopConf(conf);
        JavaRDD<String> docs = Documents.read(spark, inputs, field).filter(d -> d != null);
        if (partitions != null) docs = docs.repartition(partitions);
        Path dir = new Path(out), tmpDir = new Path(dir, "_temporary");
        String name = tokenizer, tmpPath = tmpDir.toString();
        boolean addBos = bos, fail = failFirstAttempt;

        List<TaskResult> results = docs.mapPartitionsWithIndex((part, it) -> {
            long t0 = System.nanoTime();
            Tokenizer t = Tokenizers.load(name);
            TaskContext tc = TaskContext.get();
            IntList ids = new IntList();
            long n = 0;
            while (it.hasNext()) {
                encodeInto(t, it.next(), addBos, sep, ids);
                n++;
            }
            Path file = new Path(tmpPath, String.format(Locale.ROOT, "shard-%05d-attempt-%d.bin", part, tc.taskAttemptId()));
            Configuration hc = hconf.get();
            FileSystem fs = file.getFileSystem(hc);
            try (FSDataOutputStream o = fs.create(file, true)) {
                if (fail && tc.attemptNumber() == 0) {
                    o.write(TokenShard.header(dtype, ids.size));
                    throw new IOException("test: the first attempt of task " + part + " dies mid-shard");
                }
                TokenShard.write(o, ids.a, ids.size, dtype);
                o.hsync();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            return List.of(new TaskResult(part, file.toString(), n, ids.size, secs, SparkEnv.get().executorId())).iterator();
        }, true).collect();

        // commit: the driver moves the one successful attempt of each partition into place
        FileSystem fs = SparkJobs.fs(dir, conf);
        long documents = 0, tokens = 0;
        Map<String, double[]> byExecutor = new TreeMap<>();
        try {
            for (TaskResult r : results) {
                Path to = new Path(dir, String.format(Locale.ROOT, "shard-%05d.bin", r.partition));
                if (fs.exists(to)) fs.delete(to, false);
                if (!fs.rename(new Path(r.tmpFile), to)) throw CortadoException.inFile(to, "cannot move the shard into place");
                documents += r.docs;
                tokens += r.tokens;
                double[] e = byExecutor.computeIfAbsent(r.executor, k -> new double[2]);
                e[0] += r.tokens;
                e[1] += r.seconds;
            }
            fs.delete(tmpDir, true);
        } catch (IOException e) {
            throw CortadoException.inFile(dir, "cannot commit the shards: " + e.getMessage());
        }
        if (parquet) {
            StructType schema = new StructType().add("doc", DataTypes.LongType, false)
                    .add("ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
            JavaRDD<Row> rows = docs.zipWithIndex().mapPartitions(it -> {
                Tokenizer t = Tokenizers.load(name);
                List<Row> out = new ArrayList<>();
                while (it.hasNext()) {
                    Tuple2<String, Long> d = it.next();
                    IntList ids = new IntList();
                    encodeInto(t, d._1(), addBos, sep, ids);
                    Integer[] boxed = new Integer[ids.size];
                    for (int i = 0; i < ids.size; i++) boxed[i] = ids.a[i];
                    out.add(RowFactory.create(d._2(), boxed));
                }
                return out.iterator();
            });
            Dataset<Row> df = spark.createDataFrame(rows, schema);
            df.write().mode("overwrite").parquet(new Path(dir, "ids.parquet").toString());
        }
        Map<String, Double> tps = new TreeMap<>();
        byExecutor.forEach((e, v) -> tps.put(e, v[1] > 0 ? v[0] / v[1] : 0));
        return new Summary(results.size(), documents, tokens, tps);
    }

    private int separatorId(Tokenizer tok) {
        switch (separator) {
            case "none":
                return -1;
            case "eos":
                if (tok.eosId() == null) throw new CortadoException("--separator eos: the tokenizer " + tokenizer
                        + " has no end-of-sequence token (give an id or none)");
                return tok.eosId();
            default:
                try {
                    int id = Integer.parseInt(separator);
                    if (id < 0 || id >= tok.vocabSize())
                        throw new CortadoException("--separator " + id + " is not an id of the vocabulary (0.." + (tok.vocabSize() - 1) + ")");
                    return id;
                } catch (NumberFormatException e) {
                    throw new CortadoException("--separator takes an id, eos or none, not \"" + separator + "\"");
                }
        }
    }

    private static void encodeInto(Tokenizer t, String doc, boolean bos, int sep, IntList out) {
        if (bos && t.bosId() != null) out.add(t.bosId());
        for (int id : t.encode(doc)) out.add(id);
        if (sep >= 0) out.add(sep);
    }

    /** A growable int array. */
    static final class IntList {
        int[] a = new int[1 << 12];
        int size;

        void add(int v) {
            if (size == a.length) a = Arrays.copyOf(a, size * 2);
            a[size++] = v;
        }
    }
}
