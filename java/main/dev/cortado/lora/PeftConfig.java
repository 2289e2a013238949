package dev.cortado.lora;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.CortadoException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The parts of PEFT's {@code adapter_config.json} that decide what a LoRA adapter means. Options
 * that would change the result and that Cortado does not implement (DoRA, modules_to_save, LoRA
 * biases, per-module ranks or alphas, …) are refused with one line naming the option, never ignored.
 */
record PeftConfig(int r, double loraAlpha, boolean useRslora, boolean fanInFanOut, String baseModel) {
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    static PeftConfig read(Path file) {
        if (!Files.isRegularFile(file)) throw CortadoException.inFile(file, "missing: a PEFT adapter directory holds adapter_config.json");
        JsonNode c;
        try {
            c = JSON.readTree(Files.readAllBytes(file));
        } catch (JacksonException e) {
            throw CortadoException.inFile(file, "not valid JSON: " + e.getOriginalMessage().replaceAll("\\s+", " "));
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        }
        if (c == null || !c.isObject()) throw CortadoException.inFile(file, "not a JSON object");
        String peftType = c.path("peft_type").asText("LORA");
        if (!peftType.equals("LORA")) throw CortadoException.inFile(file, "peft_type " + peftType + " is not supported (only LORA)");
        refuseIf(file, c.path("use_dora").asBoolean(false), "use_dora is true: DoRA adapters are not supported");
        refuseIf(file, nonEmpty(c.get("modules_to_save")),
                "modules_to_save " + c.get("modules_to_save") + ": adapters that carry whole modules are not supported");
        String bias = c.path("bias").asText("none");
        refuseIf(file, !bias.equals("none"), "bias \"" + bias + "\" is not supported (only \"none\")");
        refuseIf(file, c.path("lora_bias").asBoolean(false), "lora_bias is true: LoRA biases are not supported");
        refuseIf(file, nonEmpty(c.get("rank_pattern")), "rank_pattern " + c.get("rank_pattern") + ": per-module ranks are not supported");
        refuseIf(file, nonEmpty(c.get("alpha_pattern")), "alpha_pattern " + c.get("alpha_pattern") + ": per-module alphas are not supported");
        refuseIf(file, nonEmpty(c.get("layer_replication")), "layer_replication is not supported");
        refuseIf(file, nonEmpty(c.get("trainable_token_indices")), "trainable_token_indices is not supported");
        refuseIf(file, nonEmpty(c.get("target_parameters")), "target_parameters is not supported");
        refuseIf(file, !c.path("alora_invocation_tokens").isMissingNode() && !c.path("alora_invocation_tokens").isNull(),
                "alora_invocation_tokens: activated LoRA is not supported");
        JsonNode r = c.get("r");
        refuseIf(file, r == null || !r.canConvertToInt() || !r.isIntegralNumber() || r.asInt() <= 0, "r must be a positive integer, not " + r);
        JsonNode alpha = c.get("lora_alpha");
        refuseIf(file, alpha == null || !alpha.isNumber() || !(alpha.asDouble() > 0) || Double.isInfinite(alpha.asDouble()),
                "lora_alpha must be a positive number, not " + alpha);
        JsonNode base = c.get("base_model_name_or_path");
        return new PeftConfig(r.asInt(), alpha.asDouble(), c.path("use_rslora").asBoolean(false),
                c.path("fan_in_fan_out").asBoolean(false), base != null && base.isTextual() ? base.asText() : null);
    }

    private static boolean nonEmpty(JsonNode n) {
        return n != null && !n.isNull() && !(n.isContainerNode() && n.isEmpty()) && !(n.isBoolean() && !n.asBoolean());
    }

    private static void refuseIf(Path file, boolean bad, String problem) {
        if (bad) throw CortadoException.inFile(file, problem);
    }

    /** The adapter_config.json PEFT itself would write for a plain LoRA adapter on {@code modules}. */
    ObjectNode toJson(List<String> modules) {
        ObjectNode c = JSON.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        if (baseModel != null) c.put("base_model_name_or_path", baseModel);
        else c.putNull("base_model_name_or_path");
        c.put("r", r);
        if (loraAlpha == Math.rint(loraAlpha) && Math.abs(loraAlpha) < 1e9) c.put("lora_alpha", (long) loraAlpha);
        else c.put("lora_alpha", loraAlpha);
        c.put("lora_dropout", 0.0);
        c.putArray("target_modules").addAll(modules.stream().map(c::textNode).toList());
        c.put("use_rslora", useRslora);
        c.put("use_dora", false);
        c.put("fan_in_fan_out", fanInFanOut);
        c.put("bias", "none");
        c.putNull("modules_to_save");
        c.putObject("rank_pattern");
        c.putObject("alpha_pattern");
        c.put("inference_mode", true);
        return c;
    }
}
