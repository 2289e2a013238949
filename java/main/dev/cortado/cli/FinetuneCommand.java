package dev.cortado.cli;

import dev.cortado.CortadoException;
import dev.cortado.chat.ChatTemplate;
import dev.cortado.kernels.Kernels;
import dev.cortado.lora.GgufLoraAdapter;
import dev.cortado.lora.LoraAdapter;
import dev.cortado.lora.PeftAdapter;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.tensor.TensorType;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import dev.cortado.train.AdamW;
import dev.cortado.train.DataOptions;
import dev.cortado.train.DataReport;
import dev.cortado.train.DatasetSplit;
import dev.cortado.train.FinetuneData;
import dev.cortado.train.LoraSpec;
import dev.cortado.train.LossChart;
import dev.cortado.train.LrSchedule;
import dev.cortado.train.Parameter;
import dev.cortado.train.TrainLog;
import dev.cortado.train.TrainModel;
import dev.cortado.train.TrainOptions;
import dev.cortado.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code cortado finetune}: LoRA / QLoRA fine-tuning of a model on a data file, with checkpoints and exact resume. */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a model with LoRA (or QLoRA: the frozen base held as NF4) on a data file.",
            "Data: .jsonl with {\"text\"}, {\"prompt\",\"completion\"} or {\"messages\":[...]} per line (chat data uses the "
                    + "model's chat template, or --template; only assistant tokens and completions are trained), .txt, or a token shard .bin (CRTDSHRD, as the Spark TokenizeDataset job writes).",
            "Writes to --out: the adapter as a PEFT directory (adapter_config.json, adapter_model.safetensors) and as a "
                    + "llama.cpp GGUF LoRA (adapter.gguf), train_log.jsonl (one JSON object per step), loss.svg and checkpoints/.",
            "Ctrl-C finishes the current step, saves a checkpoint and exits with status 130; --resume OUT continues "
                    + "exactly where it stopped (same numbers as an uninterrupted run with the same --seed and --threads)."})
final class FinetuneCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "BASE", description = "the base model (GGUF, Hugging Face directory or llama2.c)")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "training data: .jsonl, .txt or a token shard .bin")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory (adapter, log, chart, checkpoints)")
    Path out;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer.json, llama2.c tokenizer.bin or a GGUF (default: the model's own)")
    Path tokenizer;

    @Option(names = "--template", paramLabel = "NAME_OR_FILE", description = "chat template for chat data: a built-in name or a .jinja file (default: the model's own)")
    String template;

    @Option(names = "--qlora", description = "QLoRA: hold the frozen base's matrices (projections, token embeddings, an untied output) as NF4 (less memory)")
    boolean qlora;

    @Option(names = "--rank", paramLabel = "R", defaultValue = "8", description = "LoRA rank (default: ${DEFAULT-VALUE})")
    int rank;

    @Option(names = "--alpha", paramLabel = "A", defaultValue = "16", description = "LoRA alpha; the update is scaled by alpha / rank (default: ${DEFAULT-VALUE})")
    float alpha;

    @Option(names = "--targets", paramLabel = "LIST", defaultValue = "q,k,v,o,gate,up,down", split = ",",
            description = "projections that get LoRA factors, any of q,k,v,o,gate,up,down (default: ${DEFAULT-VALUE})")
    List<String> targets;

    @Option(names = "--epochs", paramLabel = "E", description = "passes over the train split (default: 1 unless --steps is given)")
    Double epochs;

    @Option(names = "--steps", paramLabel = "S", description = "optimizer steps (instead of --epochs)")
    Integer steps;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "2e-4", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--schedule", paramLabel = "KIND", defaultValue = "cosine", description = "learning-rate decay after warmup: cosine, linear or constant (default: ${DEFAULT-VALUE})")
    String schedule;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "0", description = "warmup steps, or a fraction of all steps when below 1 (e.g. 0.03) (default: ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--min-lr-ratio", paramLabel = "F", defaultValue = "0", description = "the decay's floor as a fraction of --lr (default: ${DEFAULT-VALUE})")
    double minLrRatio;

    @Option(names = "--weight-decay", paramLabel = "WD", defaultValue = "0", description = "AdamW's decoupled weight decay (default: ${DEFAULT-VALUE})")
    float weightDecay;

    @Option(names = "--beta1", paramLabel = "B1", defaultValue = "0.9", description = "AdamW beta1 (default: ${DEFAULT-VALUE})")
    float beta1;

    @Option(names = "--beta2", paramLabel = "B2", defaultValue = "0.999", description = "AdamW beta2 (default: ${DEFAULT-VALUE})")
    float beta2;

    @Option(names = "--adam-eps", paramLabel = "EPS", defaultValue = "1e-8", description = "AdamW epsilon (default: ${DEFAULT-VALUE})")
    float adamEps;

    @Option(names = "--max-grad-norm", paramLabel = "N", defaultValue = "1.0", description = "clip the global gradient norm; 0 = off (default: ${DEFAULT-VALUE})")
    double maxGradNorm;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "4", description = "sequences per micro-batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--grad-accum", paramLabel = "G", defaultValue = "1", description = "micro-batches per optimizer step (default: ${DEFAULT-VALUE})")
    int gradAccum;

    @Option(names = "--seq-len", paramLabel = "L", defaultValue = "256", description = "tokens per sequence, at most the model's context (default: ${DEFAULT-VALUE})")
    int seqLen;

    @Option(names = "--eval-split", paramLabel = "F", defaultValue = "0.05", description = "fraction of examples held out for the eval loss (default: ${DEFAULT-VALUE})")
    double evalSplit;

    @Option(names = "--eval-every", paramLabel = "N", description = "steps between eval-loss measurements; 0 = only at the end (default: about 10 per run)")
    Integer evalEvery;

    @Option(names = "--save-every", paramLabel = "N", defaultValue = "0", description = "steps between checkpoints; 0 = only at the end and on Ctrl-C (default: ${DEFAULT-VALUE})")
    int saveEvery;

    @Option(names = "--keep", paramLabel = "N", defaultValue = "2", description = "checkpoints kept, the newest (default: ${DEFAULT-VALUE})")
    int keep;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue from a checkpoint: a checkpoint-N directory, a checkpoints/ directory or a previous --out")
    Path resume;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "seed of the LoRA init, the eval split and the data order (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "kernel threads; 0 = all cores (default)")
    int threads;

    @Option(names = "--recompute", description = "recompute activations in the backward pass instead of keeping them (less memory, slower)")
    boolean recompute;

    @Option(names = "--skip-bad", description = "skip malformed data lines (counted) instead of stopping at the first")
    boolean skipBad;

    @Override
    public Integer call() {
        PrintStream err = System.err;
        if (threads < 0) throw new CortadoException("--threads must be >= 0");
        if (batch < 1) throw new CortadoException("--batch must be >= 1");
        if (seqLen < 2) throw new CortadoException("--seq-len must be >= 2");
        if (rank < 1) throw new CortadoException("--rank must be >= 1");
        if (!(alpha > 0)) throw new CortadoException("--alpha must be > 0");
        if (steps != null && epochs != null) throw new CortadoException("give --steps or --epochs, not both");
        if (Files.exists(out) && !Files.isDirectory(out)) throw CortadoException.inFile(out, "exists and is not a directory");
        if (threads > 0) Kernels.setThreads(threads);
        LrSchedule.Kind kind = switch (schedule.toLowerCase(Locale.ROOT)) {
            case "cosine" -> LrSchedule.Kind.COSINE;
            case "linear" -> LrSchedule.Kind.LINEAR;
            case "constant" -> LrSchedule.Kind.CONSTANT;
            default -> throw new CortadoException("--schedule " + schedule + ": expected cosine, linear or constant");
        };
        Set<String> targetSet = new LinkedHashSet<>();
        for (String t : targets) {
            String n = t.strip().toLowerCase(Locale.ROOT);
            if (!LoraSpec.ALL.contains(n)) throw new CortadoException("--targets: unknown target '" + t + "' (known: " + String.join(",", LoraSpec.ALL) + ")");
            targetSet.add(n);
        }
        AdamW.Settings adam;
        try {
            adam = new AdamW.Settings(beta1, beta2, adamEps, weightDecay);
        } catch (IllegalArgumentException e) {
            throw new CortadoException("AdamW: " + e.getMessage());
        }
        ProgressBar bar = ProgressBar.stderr();
        try (ModelFile f = ModelLoader.open(model, tokenizer)) {
            int ctx = f.config().contextLength();
            if (ctx > 0 && seqLen > ctx) throw new CortadoException("--seq-len " + seqLen + " is over the model's context of " + ctx);
            Tokenizer tok = Tokenizers.of(f.tokenizer());
            ChatTemplate tmpl = ChatTemplate.forTokenizer(f.tokenizer(), template).orElse(null);
            DatasetSplit split = FinetuneData.load(data, tok, tmpl, new DataOptions(seqLen, evalSplit, seed, skipBad), bar);
            DataReport r = split.report();
            err.printf(Locale.ROOT, "data: %s, %d examples (%d skipped, %d truncated): %d train sequences (%s tokens trained), %d eval (%s)%n",
                    r.format(), r.examples(), r.skippedBad(), r.truncated(), r.trainSequences(), Sizes.count(r.trainTokens()),
                    r.evalSequences(), Sizes.count(r.evalTokens()));
            if (split.train().size() == 0) throw CortadoException.inFile(data, "leaves no train sequences after the eval split");
            TrainOptions base = new TrainOptions(steps == null ? 0 : steps, steps == null ? (epochs == null ? 1 : epochs) : 0, lr, kind,
                    warmup, minLrRatio, adam, maxGradNorm, gradAccum, 0, saveEvery, keep, seed);
            int total = base.totalSteps(split.train().size(), batch);
            int every = evalEvery != null ? evalEvery : Math.max(1, total / 10);
            TrainOptions options = base.withCadence(every, saveEvery);
            LoraSpec spec = new LoraSpec(rank, alpha, targetSet, qlora);
            try (TrainModel tm = TrainModel.lora(f, spec, batch, seqLen, seed, recompute)) {
                long trainable = 0;
                for (Parameter p : tm.parameters()) trainable += p.size();
                err.printf(Locale.ROOT, "LoRA rank %d, alpha %s on %s: %s trainable parameters; %d steps of %d × %d tokens × %d%n",
                        rank, trim(alpha), String.join(",", targetSet), Sizes.count(trainable), total, batch, seqLen, gradAccum);
                if (qlora) {
                    err.printf(Locale.ROOT, "QLoRA: the frozen base holds %s resident, against %s as F32 (%.2f×, %s saved); NF4: %s; norms F32%n",
                            Sizes.bytes(tm.baseBytes()), Sizes.bytes(tm.baseBytesF32()), (double) tm.baseBytes() / tm.baseBytesF32(),
                            Sizes.bytes(tm.baseBytesF32() - tm.baseBytes()), nf4Summary(tm.nf4Names(), f.config().tiedEmbeddings()));
                }
                Map<String, String> extra = new LinkedHashMap<>();
                extra.put("--rank", Integer.toString(rank));
                extra.put("--alpha", trim(alpha));
                extra.put("--targets", String.join(",", targetSet));
                extra.put("--qlora", Boolean.toString(qlora));
                extra.put("--data examples", Long.toString(r.examples()));
                Trainer trainer = new Trainer(tm, split.train(), split.eval(), options, out, bar).extra(extra)
                        .title("cortado finetune: " + model.getFileName());
                Trainer.Result result;
                try (StopSignal stop = StopSignal.install(() -> {
                    trainer.requestStop();
                    bar.note("stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)");
                })) {
                    result = trainer.run(resume);
                }
                if (result.stopped()) {
                    err.printf("stopped at step %d of %d; checkpoint: %s%ncontinue with the same command and --resume %s%n",
                            result.step(), result.totalSteps(), result.checkpoint(), out);
                    return 130;
                }
                LoraAdapter adapter = tm.adapter();
                PeftAdapter.write(adapter, out, f.config(), TensorType.F32);
                GgufLoraAdapter.write(adapter, out.resolve("adapter.gguf"), f.config(), TensorType.F32);
                double last = result.lastEvalLoss();
                err.printf(Locale.ROOT, "done: %d steps%s in %.1f s%n", result.step(),
                        Double.isNaN(last) ? "" : String.format(Locale.ROOT, ", eval loss %.4f", last),
                        result.log().isEmpty() ? 0.0 : result.log().get(result.log().size() - 1).elapsedSeconds());
                err.printf("wrote %s (PEFT: %s, %s), %s, %s, %s, %s%n", out, PeftAdapter.CONFIG, PeftAdapter.WEIGHTS, "adapter.gguf",
                        TrainLog.FILE, LossChart.FILE, "checkpoints/");
            }
        }
        return 0;
    }

    /** "token_embd (and the tied output), 210 projections" from the NF4 tensor names. */
    static String nf4Summary(List<String> names, boolean tied) {
        List<String> whole = new java.util.ArrayList<>();
        int projections = 0;
        for (String n : names) {
            if (n.startsWith("blk.")) projections++;
            else whole.add(n.endsWith(".weight") ? n.substring(0, n.length() - ".weight".length()) : n);
        }
        String s = String.join(", ", whole);
        if (tied && whole.contains("token_embd")) s = s.replace("token_embd", "token_embd (also the tied output)");
        return s + (s.isEmpty() ? "" : ", ") + projections + " projection" + (projections == 1 ? "" : "s");
    }

    private static String trim(float f) {
        return f == Math.rint(f) ? Long.toString((long) f) : Float.toString(f);
    }
}
