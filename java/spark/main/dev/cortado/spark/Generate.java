package dev.cortado.spark;

import dev.cortado.CortadoException;
import dev.cortado.kernels.Kernels;
import dev.cortado.model.Generator;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.Sampler;
import dev.cortado.model.Transformer;
import dev.cortado.tokenizer.Tokenizer;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import scala.Tuple2;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Batch generation over a dataset of prompts with a GGUF model: each row gets what
 * {@code cortado generate --no-echo} prints for it (greedy, or sampled with the seed plus the row's
 * index, so the output does not depend on how rows are spread over tasks); with {@code --score},
 * each row's text gets its log-probability under the model instead. One model per executor,
 * memory-mapped and shared by its tasks ({@link ExecutorModels}). The output is Parquet.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Batch generation (or log-probability scoring) over a dataset of prompts, into Parquet.")
public final class Generate implements Callable<Integer> {
    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH") List<String> inputs;

    @Option(names = "--model", required = true, paramLabel = "GGUF",
            description = "the model, at the same local path on every executor (or shipped with --files)")
    String model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the Parquet output") String out;

    @Option(names = "--field", paramLabel = "NAME", defaultValue = "prompt",
            description = "the Parquet column or JSON Lines field with the prompt (default ${DEFAULT-VALUE}); text: each line")
    String field;

    @Option(names = "-n", paramLabel = "N", defaultValue = "256") int maxTokens;
    @Option(names = "--temp", paramLabel = "T", defaultValue = "0.8") float temperature;
    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40") int topK;
    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95") float topP;
    @Option(names = "--min-p", paramLabel = "M", defaultValue = "0.05") float minP;
    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0") float repeatPenalty;
    @Option(names = "--repeat-last-n", paramLabel = "N", defaultValue = "64") int repeatLastN;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "row i samples with seed S + i (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--ctx", paramLabel = "N", defaultValue = "0") int ctx;

    @Option(names = "--score", description = "score each row's text (log-probability after BOS) instead of generating")
    boolean score;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "kernel threads per executor; 0 = all its cores")
    int threads;

    @Option(names = "--partitions", paramLabel = "N") Integer partitions;

    @Option(names = "--master", paramLabel = "URL") String master;

    public static void main(String[] args) {
        SparkJobs.main(new Generate(), args);
    }

    @Override
    public Integer call() {
        SparkSession spark = SparkJobs.session("cortado generate", master);
        try {
            long rows = run(spark);
            System.out.printf(Locale.ROOT, "%s: %,d rows%n", out, rows);
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** Runs the job; returns the rows written. */
    public long run(SparkSession spark) {
        Sampler.Settings settings;
        try {
            settings = new Sampler.Settings(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed);
        } catch (IllegalArgumentException e) {
            throw new CortadoException(e.getMessage());
        }
        if (maxTokens < 0) throw new CortadoException("-n must be >= 0");
        try (ModelFile f = ModelLoader.open(Path.of(model))) {  // a bad model fails here, on the driver
            f.validate();
        }
        JavaRDD<String> prompts = Documents.read(spark, inputs, field).map(p -> p == null ? "" : p);
        // rows are numbered in the input's order, before any repartitioning spreads them
        JavaPairRDD<String, Long> numbered = prompts.zipWithIndex();
        if (partitions != null) numbered = numbered.repartition(partitions);
        String path = model;
        int n = maxTokens, context = ctx, kernelThreads = threads;
        boolean scoring = score;
        float temp = temperature, tp = topP, mp = minP, rp = repeatPenalty;  // closures take plain values
        int tk = topK, rln = repeatLastN;
        long sd = seed;
        JavaRDD<Row> rows = numbered.mapPartitions(it -> {
            if (kernelThreads > 0) Kernels.setThreads(kernelThreads);
            Sampler.Settings ts = new Sampler.Settings(temp, tk, tp, mp, rp, rln, sd);
            ExecutorModels.Model m = ExecutorModels.get(path, context);
            Transformer t = m.borrow();
            List<Row> outRows = new ArrayList<>();
            try {
                while (it.hasNext()) {
                    Tuple2<String, Long> r = it.next();
                    outRows.add(scoring ? score(m.tokenizer, t, r._2(), r._1())
                            : generate(m.tokenizer, t, r._2(), r._1(), n, ts));
                }
            } finally {
                m.giveBack(t);
            }
            return outRows.iterator();
        });
        StructType schema = scoring
                ? new StructType().add("row", DataTypes.LongType, false).add("text", DataTypes.StringType, false)
                        .add("tokens", DataTypes.IntegerType, false).add("logprob", DataTypes.DoubleType, false)
                : new StructType().add("row", DataTypes.LongType, false).add("prompt", DataTypes.StringType, false)
                        .add("completion", DataTypes.StringType, false)
                        .add("ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                        .add("prompt_tokens", DataTypes.IntegerType, false).add("stop", DataTypes.StringType, false);
        var df = spark.createDataFrame(rows, schema);
        df.write().mode("overwrite").parquet(out);
        return spark.read().parquet(out).count();
    }

    /** What {@code cortado generate --no-echo --seed S+row} makes of one prompt. */
    static Row generate(Tokenizer tok, Transformer t, long row, String prompt, int n, Sampler.Settings s) {
        Sampler.Settings rs = new Sampler.Settings(s.temperature(), s.topK(), s.topP(), s.minP(), s.repeatPenalty(),
                s.repeatLastN(), s.seed() + row);
        int[] ids = tok.encodeForModel(prompt);
        Generator g = new Generator(t, tok, new Sampler(rs));
        StringBuilder text = new StringBuilder();
        Generator.Result r = g.generate(ids, n, false, (id, piece) -> text.append(piece));
        Integer[] gen = Arrays.stream(r.generated()).boxed().toArray(Integer[]::new);
        return RowFactory.create(row, prompt, text.toString(), gen, ids.length, r.stop().name().toLowerCase(Locale.ROOT));
    }

    /** The log-probability of the text's tokens, each given those before it (the first after BOS). */
    static Row score(Tokenizer tok, Transformer t, long row, String text) {
        int[] ids = tok.encodeForModel(text);
        if (ids.length > t.contextLength())
            throw new CortadoException("row " + row + " has " + ids.length + " tokens but the context holds " + t.contextLength());
        int vocab = t.vocabSize();
        double lp = 0;
        int scored = 0;
        if (ids.length > 1) {
            float[] logits = new float[ids.length * vocab];
            t.forwardAll(ids, 0, logits);
            for (int i = 0; i + 1 < ids.length; i++) {
                lp += logSoftmax(logits, i * vocab, vocab, ids[i + 1]);
                scored++;
            }
        }
        return RowFactory.create(row, text, scored, lp);
    }

    static double logSoftmax(float[] l, int off, int n, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, l[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(l[off + i] - max);
        return l[off + target] - max - Math.log(sum);
    }
}
