package dev.cortado.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.CortadoException;

/**
 * How a run trains: its length ({@code steps}, or {@code epochs} over the train sequences when
 * steps is 0), the learning-rate schedule, AdamW's settings, clipping, accumulation, how often it
 * evaluates and saves, and the data seed. Checkpoints store these; a resumed run must use the same
 * values for everything that decides its numbers (all but the length and the eval/save cadence).
 *
 * @param warmup      warmup steps; a value in (0, 1) is a fraction of the total steps
 * @param minLrRatio  the schedule's floor as a fraction of {@code lr}
 * @param maxGradNorm global-norm clip; 0 = none
 * @param evalEvery   steps between evaluations (0 = only at the end)
 * @param saveEvery   steps between checkpoints (0 = only at the end and on a stop)
 * @param keep        checkpoints kept on disk (the newest ones)
 */
public record TrainOptions(int steps, double epochs, double lr, LrSchedule.Kind schedule, double warmup, double minLrRatio,
                           AdamW.Settings adam, double maxGradNorm, int gradAccum, int evalEvery, int saveEvery,
                           int keep, long seed) {
    public TrainOptions {
        if (steps < 0) throw new CortadoException("--steps must be >= 0");
        if (steps == 0 && !(epochs > 0)) throw new CortadoException("give --steps or --epochs greater than 0");
        if (!(lr > 0) || !Double.isFinite(lr)) throw new CortadoException("--lr must be > 0");
        if (!(warmup >= 0)) throw new CortadoException("--warmup must be >= 0");
        if (!(minLrRatio >= 0 && minLrRatio <= 1)) throw new CortadoException("--min-lr-ratio must lie in [0, 1]");
        if (!(maxGradNorm >= 0)) throw new CortadoException("--max-grad-norm must be >= 0");
        if (gradAccum < 1) throw new CortadoException("--grad-accum must be >= 1");
        if (evalEvery < 0 || saveEvery < 0) throw new CortadoException("--eval-every and --save-every must be >= 0");
        if (keep < 1) throw new CortadoException("checkpoints to keep must be >= 1");
    }

    /** Defaults for tests and library use: 2e-4, cosine, no warmup, AdamW defaults, clip 1.0. */
    public static TrainOptions steps(int steps, double lr, long seed) {
        return new TrainOptions(steps, 0, lr, LrSchedule.Kind.COSINE, 0, 0, AdamW.Settings.DEFAULT, 1.0, 1, 0, 0, 2, seed);
    }

    public TrainOptions withSteps(int steps) {
        return new TrainOptions(steps, epochs, lr, schedule, warmup, minLrRatio, adam, maxGradNorm, gradAccum, evalEvery, saveEvery, keep, seed);
    }

    public TrainOptions withCadence(int evalEvery, int saveEvery) {
        return new TrainOptions(steps, epochs, lr, schedule, warmup, minLrRatio, adam, maxGradNorm, gradAccum, evalEvery, saveEvery, keep, seed);
    }

    public TrainOptions withAccum(int gradAccum) {
        return new TrainOptions(steps, epochs, lr, schedule, warmup, minLrRatio, adam, maxGradNorm, gradAccum, evalEvery, saveEvery, keep, seed);
    }

    /** Optimizer steps of the run over {@code sequences} train sequences in batches of {@code rows}. */
    public int totalSteps(int sequences, int rows) {
        if (steps > 0) return steps;
        double perStep = (double) rows * gradAccum;
        long n = (long) Math.ceil(epochs * sequences / perStep);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, n));
    }

    public LrSchedule scheduleFor(int total) {
        int w = warmup > 0 && warmup < 1 ? (int) Math.round(warmup * total) : (int) warmup;
        return new LrSchedule(schedule, lr, lr * minLrRatio, Math.min(w, total), total);
    }

    public ObjectNode toJson() {
        ObjectNode o = TrainJson.MAPPER.createObjectNode();
        o.put("steps", steps).put("epochs", epochs).put("lr", lr).put("schedule", schedule.name().toLowerCase())
                .put("warmup", warmup).put("min_lr_ratio", minLrRatio).put("beta1", adam.beta1()).put("beta2", adam.beta2())
                .put("eps", adam.eps()).put("weight_decay", adam.weightDecay()).put("max_grad_norm", maxGradNorm)
                .put("grad_accum", gradAccum).put("eval_every", evalEvery).put("save_every", saveEvery)
                .put("keep", keep).put("seed", seed);
        return o;
    }

    public static TrainOptions fromJson(JsonNode o) {
        return new TrainOptions(o.path("steps").asInt(), o.path("epochs").asDouble(), o.path("lr").asDouble(),
                LrSchedule.Kind.valueOf(o.path("schedule").asText("cosine").toUpperCase()), o.path("warmup").asDouble(),
                o.path("min_lr_ratio").asDouble(), new AdamW.Settings((float) o.path("beta1").asDouble(),
                (float) o.path("beta2").asDouble(), (float) o.path("eps").asDouble(), (float) o.path("weight_decay").asDouble()),
                o.path("max_grad_norm").asDouble(), o.path("grad_accum").asInt(1), o.path("eval_every").asInt(),
                o.path("save_every").asInt(), o.path("keep").asInt(2), o.path("seed").asLong());
    }

    /** The first option that makes {@code other} compute different numbers from this run, or null. */
    public String differenceFrom(TrainOptions other) {
        if (lr != other.lr) return "--lr " + other.lr + " (the checkpoint has " + lr + ")";
        if (schedule != other.schedule) return "--schedule " + other.schedule.name().toLowerCase() + " (the checkpoint has " + schedule.name().toLowerCase() + ")";
        if (warmup != other.warmup) return "--warmup " + other.warmup + " (the checkpoint has " + warmup + ")";
        if (minLrRatio != other.minLrRatio) return "--min-lr-ratio " + other.minLrRatio + " (the checkpoint has " + minLrRatio + ")";
        if (!adam.equals(other.adam)) return "AdamW settings " + other.adam + " (the checkpoint has " + adam + ")";
        if (maxGradNorm != other.maxGradNorm) return "--max-grad-norm " + other.maxGradNorm + " (the checkpoint has " + maxGradNorm + ")";
        if (gradAccum != other.gradAccum) return "--grad-accum " + other.gradAccum + " (the checkpoint has " + gradAccum + ")";
        if (seed != other.seed) return "--seed " + other.seed + " (the checkpoint has " + seed + ")";
        return null;
    }
}
