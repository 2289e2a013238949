package dev.cortado.train;

import dev.cortado.CortadoException;
import dev.cortado.Progress;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The training loop, shared by fine-tuning and pretraining: for each optimizer step it zeroes the
 * gradients, runs {@code gradAccum} micro-batches drawn from a seeded shuffle (scaled so the
 * gradient is that of the mean loss over the whole step), clips the global norm, and lets AdamW
 * update the parameters at the schedule's learning rate. It evaluates every {@code evalEvery} steps
 * and at the end, logs each step to {@code train_log.jsonl}, redraws {@code loss.svg}, and saves
 * checkpoints every {@code saveEvery} steps, at the end and when asked to stop.
 *
 * <p>A run resumed from a checkpoint computes exactly the numbers of an uninterrupted one (same
 * seed and threads): the data position is (epoch, index) and the optimizer state is saved whole.
 */
public final class Trainer {
    /** How a run ended. */
    public record Result(int step, int totalSteps, boolean stopped, Path checkpoint, List<LogEntry> log) {
        public double lastEvalLoss() {
            for (int i = log.size() - 1; i >= 0; i--) if (log.get(i).hasEval()) return log.get(i).evalLoss();
            return Double.NaN;
        }

        public double firstEvalLoss() {
            for (LogEntry e : log) if (e.hasEval()) return e.evalLoss();
            return Double.NaN;
        }
    }

    private final TrainableModel model;
    private final PackedData train;
    private final PackedData eval;
    private final TrainOptions options;
    private final Path out;
    private final Progress progress;
    private final AtomicBoolean stop = new AtomicBoolean();
    private Map<String, String> extra = Map.of();
    private String title = "cortado train";
    private int stopAfter = -1;
    private double initialEvalLoss = Double.NaN;
    private java.util.function.Consumer<Path> onSave = ckpt -> {};

    /**
     * @param eval nullable or empty: no evaluation
     * @param out  the run's directory: train_log.jsonl, loss.svg and checkpoints/ go there
     */
    public Trainer(TrainableModel model, PackedData train, PackedData eval, TrainOptions options, Path out, Progress progress) {
        if (train.size() == 0) throw new CortadoException("the train split has no sequences");
        if (train.seqLen() != model.seqLen()) {
            throw new IllegalArgumentException("data seqLen " + train.seqLen() + " != model seqLen " + model.seqLen());
        }
        this.model = model;
        this.train = train;
        this.eval = eval == null || eval.size() == 0 ? null : eval;
        this.options = options;
        this.out = out;
        this.progress = progress;
    }

    /** Facts stored in checkpoints beside the options (a resume checks they match). */
    public Trainer extra(Map<String, String> extra) {
        this.extra = Map.copyOf(extra);
        return this;
    }

    /** Runs after each checkpoint is saved, with its directory (pretraining writes a loadable model there). */
    public Trainer onSave(java.util.function.Consumer<Path> action) {
        this.onSave = action;
        return this;
    }

    /** The chart's title. */
    public Trainer title(String title) {
        this.title = title;
        return this;
    }

    /** Asks the loop to stop after the step in progress (Ctrl-C); it then saves a checkpoint. */
    public void requestStop() {
        stop.set(true);
    }

    public boolean stopRequested() {
        return stop.get();
    }

    /** For tests: behave as if stopped once {@code step} steps are done. */
    public Trainer stopAfter(int step) {
        this.stopAfter = step;
        return this;
    }

    public Path checkpointDir() {
        return out.resolve("checkpoints");
    }

    /** The mean eval loss before training (NaN without eval data); run() measures it on a fresh start. */
    public double initialEvalLoss() {
        return initialEvalLoss;
    }

    /** Trains from scratch ({@code resume} null) or from the checkpoint {@code resume} names. */
    public Result run(Path resume) {
        List<Parameter> params = model.parameters();
        int rows = model.batchRows();
        int total = options.totalSteps(train.size(), rows);
        LrSchedule schedule = options.scheduleFor(total);
        try (AdamW adam = new AdamW(params, options.adam())) {
            int step = 0;
            double elapsedBefore = 0;
            DataStream.Position pos = new DataStream.Position(0, 0);
            List<LogEntry> initialLog = List.of();
            if (resume != null) {
                Path ckpt = Checkpoint.resolve(resume);
                Checkpoint.State s = Checkpoint.load(ckpt);
                check(ckpt, s);
                Checkpoint.restore(ckpt, params, adam, s.adamStep());
                step = s.step();
                pos = s.position();
                elapsedBefore = s.elapsedSeconds();
                initialLog = s.log();
                progress.note("resumed from " + ckpt + " at step " + step);
            } else if (!Checkpoint.list(checkpointDir()).isEmpty()) {
                throw CortadoException.inFile(checkpointDir(), "already holds checkpoints of another run: resume it with --resume "
                        + out + " or choose another --out");
            }
            if (step >= total) {
                progress.note("the checkpoint is at step " + step + ", which is the run's total of " + total + " steps: nothing to do");
                return new Result(step, total, false, null, initialLog);
            }
            DataStream data = new DataStream(train, options.seed(), pos);
            try (TrainLog log = new TrainLog(out.resolve(TrainLog.FILE), initialLog)) {
                if (resume == null && eval != null) {
                    initialEvalLoss = evalLoss();
                    progress.note(String.format(Locale.ROOT, "eval loss before training: %.4f", initialEvalLoss));
                }
                Path lastSaved = null;
                long t0 = System.nanoTime();
                progress.start("train", total - step, "steps");
                while (step < total && !stopRequested()) {
                    long s0 = System.nanoTime();
                    AdamW.zeroGrads(params);
                    Batch[] micro = new Batch[options.gradAccum()];
                    long masked = 0;
                    for (int i = 0; i < micro.length; i++) {
                        micro[i] = data.next(rows);
                        masked += micro[i].maskedTokens();
                    }
                    float gradScale = masked == 0 ? 0f : 1f / masked;
                    LossSum loss = LossSum.ZERO;
                    for (Batch b : micro) loss = loss.plus(model.forwardBackward(b, gradScale));
                    double norm = AdamW.clipGradNorm(params, options.maxGradNorm());
                    if (loss.tokens() > 0 && !(Double.isFinite(loss.mean()) && Double.isFinite(norm))) {
                        throw new CortadoException(String.format(Locale.ROOT, "the loss diverged at step %d (loss %s, gradient norm %s): "
                                + "lower --lr or --max-grad-norm%s", step + 1, loss.mean(), norm,
                                lastSaved == null ? "" : "; the last good checkpoint is " + lastSaved));
                    }
                    double lr = schedule.lr(step);
                    adam.update((float) lr);
                    step++;
                    double evalLoss = Double.NaN;
                    boolean evalNow = eval != null && (step == total || options.evalEvery() > 0 && step % options.evalEvery() == 0);
                    if (evalNow) evalLoss = evalLoss();
                    long now = System.nanoTime();
                    long tokens = (long) rows * model.seqLen() * micro.length;
                    LogEntry e = new LogEntry(step, loss.mean(), evalLoss, lr, norm, data.epochProgress(), tokens,
                            tokens / Math.max(1e-9, (now - s0) / 1e9), elapsedBefore + (now - t0) / 1e9);
                    log.append(e);
                    progress.advance(1);
                    progress.status(status(e, log.entries(), step, total));
                    if (evalNow || step % 10 == 0 || step == total) LossChart.write(out.resolve(LossChart.FILE), log.entries(), title);
                    if (evalNow) progress.note(line(e, total));
                    if (step == stopAfter) requestStop();
                    boolean save = step == total || stopRequested() || options.saveEvery() > 0 && step % options.saveEvery() == 0;
                    if (save) {
                        Checkpoint.State st = new Checkpoint.State(step, data.position(), adam.step(), e.elapsedSeconds(), rows,
                                model.seqLen(), options, extra, log.entries());
                        lastSaved = Checkpoint.save(checkpointDir(), st, params, adam, options.keep());
                        onSave.accept(lastSaved);
                    }
                }
                progress.finish();
                LossChart.write(out.resolve(LossChart.FILE), log.entries(), title);
                return new Result(step, total, step < total, lastSaved, log.entries());
            }
        }
    }

    private void check(Path ckpt, Checkpoint.State s) {
        if (s.batchRows() != model.batchRows() || s.seqLen() != model.seqLen()) {
            throw CortadoException.inFile(ckpt, "was made with --batch " + s.batchRows() + " --seq-len " + s.seqLen()
                    + ", not --batch " + model.batchRows() + " --seq-len " + model.seqLen());
        }
        String diff = s.options().differenceFrom(options);
        if (diff != null) throw CortadoException.inFile(ckpt, "cannot resume exactly with " + diff);
        for (Map.Entry<String, String> e : extra.entrySet()) {
            String had = s.extra().get(e.getKey());
            if (had != null && !had.equals(e.getValue())) {
                throw CortadoException.inFile(ckpt, "was made with " + e.getKey() + " " + had + ", not " + e.getValue());
            }
        }
        if (s.position().index() > train.size()) {
            throw CortadoException.inFile(ckpt, "its data position " + s.position().index() + " lies past the " + train.size()
                    + " train sequences: was it made with other --data?");
        }
    }

    /** The mean masked loss over the eval split, in batches of the model's rows (the last padded with masked-out rows). */
    public double evalLoss() {
        if (eval == null) return Double.NaN;
        int rows = model.batchRows(), seqLen = model.seqLen();
        LossSum sum = LossSum.ZERO;
        for (int from = 0; from < eval.size(); from += rows) {
            int n = Math.min(rows, eval.size() - from);
            int[] in = new int[rows * seqLen], tg = new int[rows * seqLen];
            float[] m = new float[rows * seqLen];
            for (int r = 0; r < n; r++) eval.copyTo(from + r, in, tg, m, r);
            for (int r = n; r < rows; r++) {  // padding rows: any tokens, no loss
                eval.copyTo(from, in, tg, m, r);
                java.util.Arrays.fill(m, r * seqLen, (r + 1) * seqLen, 0f);
            }
            sum = sum.plus(model.loss(new Batch(rows, seqLen, in, tg, m)));
        }
        return sum.mean();
    }

    private static String status(LogEntry e, List<LogEntry> log, int step, int total) {
        double lastEval = Double.NaN;
        for (int i = log.size() - 1; i >= 0; i--) {
            if (log.get(i).hasEval()) {
                lastEval = log.get(i).evalLoss();
                break;
            }
        }
        return String.format(Locale.ROOT, "step %d/%d loss %.4f%s %.0f tok/s", step, total, e.loss(),
                Double.isNaN(lastEval) ? "" : String.format(Locale.ROOT, " eval %.4f", lastEval), e.tokensPerSecond());
    }

    private static String line(LogEntry e, int total) {
        return String.format(Locale.ROOT, "step %d/%d: loss %.4f, eval loss %.4f, lr %.3g, grad norm %.3g, %.0f tok/s, %.1f s",
                e.step(), total, e.loss(), e.evalLoss(), e.lr(), e.gradNorm(), e.tokensPerSecond(), e.elapsedSeconds());
    }
}
