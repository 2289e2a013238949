package dev.cortado.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One optimizer step as {@code train_log.jsonl} records it. {@code evalLoss} is NaN on steps without
 * an evaluation (the JSON leaves it out); a loss that is not finite is written as null.
 */
public record LogEntry(int step, double loss, double evalLoss, double lr, double gradNorm, double epoch, long tokens,
                       double tokensPerSecond, double elapsedSeconds) {

    public boolean hasEval() {
        return !Double.isNaN(evalLoss);
    }

    public String toJsonLine() {
        ObjectNode o = TrainJson.MAPPER.createObjectNode();
        o.put("step", step);
        putNumber(o, "loss", loss);
        if (hasEval()) putNumber(o, "eval_loss", evalLoss);
        o.put("lr", lr);
        putNumber(o, "grad_norm", gradNorm);
        o.put("epoch", Math.round(epoch * 1e4) / 1e4);
        o.put("tokens", tokens);
        o.put("tokens_per_s", Math.round(tokensPerSecond * 10) / 10.0);
        o.put("elapsed_s", Math.round(elapsedSeconds * 1000) / 1000.0);
        return o.toString();
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    public static LogEntry fromJson(JsonNode o) {
        return new LogEntry(o.path("step").asInt(), number(o, "loss"), o.has("eval_loss") ? number(o, "eval_loss") : Double.NaN,
                o.path("lr").asDouble(), number(o, "grad_norm"), o.path("epoch").asDouble(), o.path("tokens").asLong(),
                o.path("tokens_per_s").asDouble(), o.path("elapsed_s").asDouble());
    }

    private static double number(JsonNode o, String key) {
        JsonNode n = o.get(key);
        return n == null || !n.isNumber() ? Double.POSITIVE_INFINITY : n.asDouble();
    }
}
