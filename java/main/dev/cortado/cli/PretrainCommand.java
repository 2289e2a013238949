package dev.cortado.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.CortadoException;
import dev.cortado.chat.ChatTemplate;
import dev.cortado.kernels.Kernels;
import dev.cortado.model.ModelConfig;
import dev.cortado.model.ModelFile;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.TokenizerData;
import dev.cortado.tokenizer.Tokenizers;
import dev.cortado.train.AdamW;
import dev.cortado.train.ChatVocabulary;
import dev.cortado.train.DataOptions;
import dev.cortado.train.DataReport;
import dev.cortado.train.DatasetSplit;
import dev.cortado.train.FinetuneData;
import dev.cortado.train.LossChart;
import dev.cortado.train.LrSchedule;
import dev.cortado.train.PackedData;
import dev.cortado.train.RandomInit;
import dev.cortado.train.TrainLog;
import dev.cortado.train.TrainModel;
import dev.cortado.train.TrainOptions;
import dev.cortado.train.TrainedModel;
import dev.cortado.train.Trainer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cortado pretrain}: a small Llama-architecture model trained from random weights on text,
 * every tensor trainable. It shares the fine-tuning loop ({@link Trainer}: AdamW, schedule, eval,
 * train_log.jsonl, loss.svg, checkpoints and exact resume) and data loading ({@link FinetuneData});
 * only the model (random init, full training) and the output (a whole GGUF) differ.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Pretrain a small Llama-architecture model from random weights on text (.txt, .jsonl like finetune's, or token shards .bin).",
            "The tokenizer (a tokenizer.json from `cortado tokenizer train`, its directory, a .tiktoken file or a tiktoken "
                    + "name) gets ChatML's special tokens <|endoftext|>, <|im_start|>, <|im_end|> (appended when missing) and the "
                    + "ChatML template, with <|im_end|> as end of turn, so the model can be fine-tuned into a chat model.",
            "Writes --out (an F32 GGUF that generate, chat, quantize and finetune read) at every checkpoint and at the end, "
                    + "atomically; train_log.jsonl, loss.svg and checkpoints/ go to the run directory beside it (OUT.gguf -> OUT.run/).",
            "Ctrl-C finishes the current step, saves a checkpoint and the GGUF and exits with status 130; the same command "
                    + "with --resume OUT.run continues exactly where it stopped.",
            "Optimizer: AdamW (beta1 0.9, beta2 0.95, weight decay 0.1 on matrices), gradient clipping at 1.0, "
                    + "linear warmup then cosine decay to a tenth of --lr."})
final class PretrainCommand implements Callable<Integer> {
    @Option(names = "--tokenizer", required = true, paramLabel = "TOKENIZER", description = "tokenizer.json (or its directory), .tiktoken, or a tiktoken name")
    String tokenizer;

    @Option(names = "--data", required = true, arity = "1..*", paramLabel = "PATH", description = "training text: .txt files (one token stream each), .jsonl, or token shards (.bin)")
    List<Path> data;

    @Option(names = "--out", required = true, paramLabel = "MODEL.gguf", description = "the model to write")
    Path out;

    @ArgGroup(exclusive = true)
    Shape shape = new Shape();

    static final class Shape {
        @ArgGroup(exclusive = false)
        Flags flags = new Flags();

        @Option(names = "--config", paramLabel = "FILE", description = "the shape as a Hugging Face config.json (LlamaForCausalLM or Qwen2ForCausalLM); vocab_size comes from the tokenizer")
        Path config;
    }

    static final class Flags {
        @Option(names = "--dim", paramLabel = "D", defaultValue = "256", description = "embedding width (default: ${DEFAULT-VALUE})")
        int dim = 256;

        @Option(names = "--layers", paramLabel = "L", defaultValue = "6", description = "transformer blocks (default: ${DEFAULT-VALUE})")
        int layers = 6;

        @Option(names = "--heads", paramLabel = "H", defaultValue = "8", description = "attention heads; must divide --dim (default: ${DEFAULT-VALUE})")
        int heads = 8;

        @Option(names = "--kv-heads", paramLabel = "K", description = "key/value heads (grouped-query attention); must divide --heads (default: --heads)")
        Integer kvHeads;

        @Option(names = "--ffn", paramLabel = "F", description = "feed-forward width (default: 8/3 x --dim rounded up to a multiple of 32)")
        Integer ffn;

        @Option(names = "--ctx", paramLabel = "C", defaultValue = "256", description = "context length the model is made for (default: ${DEFAULT-VALUE})")
        int ctx = 256;
    }

    @Option(names = "--steps", paramLabel = "S", defaultValue = "1000", description = "optimizer steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "8", description = "sequences per micro-batch (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--grad-accum", paramLabel = "G", defaultValue = "1", description = "micro-batches per optimizer step (default: ${DEFAULT-VALUE})")
    int gradAccum;

    @Option(names = "--seq-len", paramLabel = "T", description = "tokens per training sequence, at most the context (default: the context)")
    Integer seqLen;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "1e-3", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "0.05", description = "warmup steps, or a fraction of all steps when below 1 (default: ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--eval-split", paramLabel = "F", defaultValue = "0.02", description = "fraction of the sequences held out for the eval loss (default: ${DEFAULT-VALUE})")
    double evalSplit;

    @Option(names = "--save-every", paramLabel = "N", defaultValue = "0", description = "steps between checkpoints (and GGUF writes); 0 = only at the end and on Ctrl-C (default: ${DEFAULT-VALUE})")
    int saveEvery;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue from a checkpoint: the run directory OUT.run, its checkpoints/ or a checkpoint-N")
    Path resume;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "seed of the initial weights, the eval split and the data order (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "kernel threads; 0 = all cores (default)")
    int threads;

    /** Pretraining's AdamW: GPT-style betas and decoupled weight decay (norms are exempt, see Parameter.decay). */
    static final AdamW.Settings ADAM = new AdamW.Settings(0.9f, 0.95f, 1e-8f, 0.1f);
    static final double MIN_LR_RATIO = 0.1, MAX_GRAD_NORM = 1.0;
    static final int KEEP = 2;

    @Override
    public Integer call() {
        PrintStream err = System.err;
        if (threads < 0) throw new CortadoException("--threads must be >= 0");
        if (batch < 1) throw new CortadoException("--batch must be >= 1");
        if (steps < 1) throw new CortadoException("--steps must be >= 1");
        if (!out.getFileName().toString().endsWith(".gguf")) throw new CortadoException("--out " + out + ": give a file name ending in .gguf");
        if (Files.isDirectory(out)) throw CortadoException.inFile(out, "is a directory; --out names the GGUF file to write");
        if (threads > 0) Kernels.setThreads(threads);

        String chatml = ChatTemplate.builtin("chatml").source();
        TokenizerData raw = TokenizerConvertCommand.read(tokenizer);
        int added = ChatVocabulary.missing(raw);
        TokenizerData vocab = ChatVocabulary.of(raw, chatml);
        if (added > 0) err.printf("tokenizer: appended %d of ChatML's special tokens (<|endoftext|>, <|im_start|>, <|im_end|>)%n", added);
        ModelConfig config = modelConfig(vocab.vocabSize());
        int T = seqLen != null ? seqLen : config.contextLength();
        if (T < 2) throw new CortadoException("--seq-len must be >= 2");
        if (T > config.contextLength()) throw new CortadoException("--seq-len " + T + " is over the context length " + config.contextLength());

        Tokenizer tok = Tokenizers.of(vocab);
        ChatTemplate template = ChatTemplate.forTokenizer(vocab, null).orElse(null);
        ProgressBar bar = ProgressBar.stderr();
        DataOptions dataOptions = new DataOptions(T, evalSplit, seed, false);
        List<PackedData> trainParts = new ArrayList<>(), evalParts = new ArrayList<>();
        for (Path file : data) {
            DatasetSplit split = FinetuneData.load(file, tok, template, dataOptions, bar);
            DataReport r = split.report();
            err.printf(Locale.ROOT, "data: %s (%s): %d train sequences (%s tokens), %d eval (%s)%n", file, r.format(),
                    r.trainSequences(), Sizes.count(r.trainTokens()), r.evalSequences(), Sizes.count(r.evalTokens()));
            trainParts.add(split.train());
            evalParts.add(split.eval());
        }
        PackedData train = concat(trainParts, T), eval = concat(evalParts, T);
        if (train.size() == 0) throw new CortadoException("the data leaves no train sequences after the eval split");

        TrainOptions options = new TrainOptions(steps, 0, lr, LrSchedule.Kind.COSINE, warmup, MIN_LR_RATIO, ADAM,
                MAX_GRAD_NORM, gradAccum, Math.max(1, steps / 10), saveEvery, KEEP, seed);
        Path runDir = runDir(out);
        long params;
        try (ModelFile init = RandomInit.model(out, config, vocab, seed);
             TrainModel model = TrainModel.full(init, batch, T, false)) {
            params = init.parameterCount();
            err.printf(Locale.ROOT, "model: dim %d, %d layers, %d heads (%d KV), FFN %d, vocab %d, context %d: %s parameters%n",
                    config.dim(), config.nLayers(), config.nHeads(), config.nKvHeads(), config.ffnDim(), config.vocabSize(),
                    config.contextLength(), Sizes.count(params));
            err.printf(Locale.ROOT, "training: %d steps of %d x %d tokens x %d = %s tokens per step%n", steps, batch, T, gradAccum,
                    Sizes.count((long) batch * T * gradAccum));
            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("--model-shape", shapeKey(config));
            extra.put("--train-sequences", Integer.toString(train.size()));
            int[] writtenAt = {-1};
            Trainer trainer = new Trainer(model, train, eval, options, runDir, bar).extra(extra)
                    .title("cortado pretrain: " + out.getFileName())
                    .onSave(ckpt -> TrainedModel.writeGguf(out, config, vocab, model.parameters()));
            Trainer.Result result;
            try (StopSignal stop = StopSignal.install(() -> {
                trainer.requestStop();
                bar.note("stopping after this step and saving a checkpoint (Ctrl-C again to quit at once)");
            })) {
                result = trainer.run(resume);
            }
            if (!Double.isNaN(trainer.initialEvalLoss())) err.printf(Locale.ROOT, "eval loss before training: %.4f%n", trainer.initialEvalLoss());
            if (result.checkpoint() == null) TrainedModel.writeGguf(out, config, vocab, model.parameters());
            if (result.stopped()) {
                err.printf("stopped at step %d of %d; wrote %s; continue with the same command and --resume %s%n",
                        result.step(), result.totalSteps(), out, runDir);
                return 130;
            }
            double last = result.lastEvalLoss();
            double elapsed = result.log().isEmpty() ? 0 : result.log().get(result.log().size() - 1).elapsedSeconds();
            err.printf(Locale.ROOT, "done: %d steps%s in %.1f s%n", result.step(),
                    Double.isNaN(last) ? "" : String.format(Locale.ROOT, ", eval loss %.4f", last), elapsed);
            err.printf("wrote %s; %s holds %s, %s and checkpoints/%n", out, runDir, TrainLog.FILE, LossChart.FILE);
        }
        return 0;
    }

    /** OUT.gguf → OUT.run, beside it. */
    static Path runDir(Path out) {
        String n = out.getFileName().toString();
        return out.resolveSibling(n.substring(0, n.length() - ".gguf".length()) + ".run");
    }

    /** The architecture from the flags or --config, checked with the flags' names in the messages. */
    ModelConfig modelConfig(int vocab) {
        if (shape.config != null) {
            JsonNode json;
            try {
                json = new ObjectMapper().readTree(Files.readString(shape.config));
            } catch (IOException e) {
                throw CortadoException.inFile(shape.config, "cannot read: " + e.getMessage().lines().findFirst().orElse(""));
            }
            ModelConfig c = ModelConfig.fromHfConfig(json, shape.config).withVocabSize(vocab);
            if (c.dim() <= 0 || c.nHeads() <= 0 || c.dim() % c.nHeads() != 0 && c.headDim() * c.nHeads() != c.dim()) {
                throw CortadoException.inFile(shape.config, "num_attention_heads " + c.nHeads() + " does not divide hidden_size " + c.dim());
            }
            return c.validate(shape.config);
        }
        Flags f = shape.flags;
        int kv = f.kvHeads != null ? f.kvHeads : f.heads;
        positive("--dim", f.dim);
        positive("--layers", f.layers);
        positive("--heads", f.heads);
        positive("--kv-heads", kv);
        positive("--ctx", f.ctx);
        if (f.dim % f.heads != 0) throw new CortadoException("--heads " + f.heads + " does not divide --dim " + f.dim);
        if (f.heads % kv != 0) throw new CortadoException("--kv-heads " + kv + " does not divide --heads " + f.heads);
        int headDim = f.dim / f.heads;
        if (headDim % 2 != 0) throw new CortadoException("--dim / --heads = " + headDim + " must be even (RoPE rotates pairs)");
        int ffn = f.ffn != null ? f.ffn : (int) ((8L * f.dim / 3 + 31) / 32 * 32);
        positive("--ffn", ffn);
        return new ModelConfig("llama", out.getFileName().toString().replaceFirst("\\.gguf$", ""), f.dim, f.layers, f.heads, kv,
                headDim, ffn, vocab, f.ctx, 1e-5f, 10000f, null, false).validate(out);
    }

    private static void positive(String flag, int v) {
        if (v < 1) throw new CortadoException(flag + " must be >= 1, not " + v);
    }

    private static String shapeKey(ModelConfig c) {
        return String.format(Locale.ROOT, "%s dim %d layers %d heads %d/%d ffn %d vocab %d ctx %d", c.architecture(), c.dim(),
                c.nLayers(), c.nHeads(), c.nKvHeads(), c.ffnDim(), c.vocabSize(), c.contextLength());
    }

    /** The sequences of several data files as one set, in file order (the trainer shuffles). */
    static PackedData concat(List<PackedData> parts, int seqLen) {
        if (parts.size() == 1) return parts.get(0);
        long n = 0;
        for (PackedData p : parts) n += p.size();
        if (n * (seqLen + 1) > Integer.MAX_VALUE - 8) throw new CortadoException("the data is too large to hold: " + n + " sequences");
        int[] tokens = new int[(int) n * (seqLen + 1)];
        float[] mask = new float[(int) n * seqLen];
        int[] in = new int[seqLen], tg = new int[seqLen];
        float[] m = new float[seqLen];
        int i = 0;
        for (PackedData p : parts) {
            for (int s = 0; s < p.size(); s++, i++) {
                p.copyTo(s, in, tg, m, 0);
                tokens[i * (seqLen + 1)] = in[0];
                System.arraycopy(tg, 0, tokens, i * (seqLen + 1) + 1, seqLen);
                System.arraycopy(m, 0, mask, i * seqLen, seqLen);
            }
        }
        return new PackedData(seqLen, tokens, mask);
    }
}
