package dev.cortado.lora;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * An independent PEFT writer for tests: builds adapter_model.safetensors byte by byte and
 * adapter_config.json as text, following PEFT's naming
 * ({@code base_model.model.<module>.lora_A.weight} [r, in], {@code ….lora_B.weight} [out, r]),
 * without any of Cortado's writers. Values are in Hugging Face's layout (rotate-half Q/K rows).
 */
final class PeftFixture {
    /** One module's factors, row-major: a [r][in], b [out][r]. */
    record Factors(String module, int r, int in, int out, float[] a, float[] b) {}

    final Map<String, Factors> modules = new LinkedHashMap<>();
    int r;
    double alpha;
    boolean rsLora;
    String extraConfig = "";
    private final Random random;

    PeftFixture(long seed, int r, double alpha) {
        this.random = new Random(seed);
        this.r = r;
        this.alpha = alpha;
    }

    /** Adds random factors for {@code module} (e.g. "model.layers.0.self_attn.q_proj") of a [out, in] weight. */
    PeftFixture add(String module, int in, int out) {
        return add(module, r, in, out);
    }

    PeftFixture add(String module, int rank, int in, int out) {
        float[] a = new float[rank * in];
        float[] b = new float[out * rank];
        for (int i = 0; i < a.length; i++) a[i] = (float) (random.nextGaussian() * 0.1);
        for (int i = 0; i < b.length; i++) b[i] = (float) (random.nextGaussian() * 0.1);
        modules.put(module, new Factors(module, rank, in, out, a, b));
        return this;
    }

    /** All seven projections of tinystories-656k's {@code layers} layers (dim 128, 8 heads, 4 KV heads, ffn 384). */
    static PeftFixture tinyStories(long seed, int r, double alpha, int layers) {
        PeftFixture f = new PeftFixture(seed, r, alpha);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            f.add(p + "self_attn.q_proj", 128, 128);
            f.add(p + "self_attn.k_proj", 128, 64);
            f.add(p + "self_attn.v_proj", 128, 64);
            f.add(p + "self_attn.o_proj", 128, 128);
            f.add(p + "mlp.gate_proj", 128, 384);
            f.add(p + "mlp.up_proj", 128, 384);
            f.add(p + "mlp.down_proj", 384, 128);
        }
        return f;
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Factors f : modules.values()) {
            entry(header, data, "base_model.model." + f.module + ".lora_A.weight", f.r, f.in, f.a);
            entry(header, data, "base_model.model." + f.module + ".lora_B.weight", f.out, f.r, f.b);
        }
        header.append('}');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(len.array());
        file.write(h);
        file.write(data.toByteArray());
        Files.write(dir.resolve("adapter_model.safetensors"), file.toByteArray());
        StringBuilder targets = new StringBuilder();
        for (String m : modules.keySet()) {
            String shortName = m.substring(m.lastIndexOf('.') + 1);
            if (targets.indexOf("\"" + shortName + "\"") < 0) targets.append(targets.length() > 0 ? ", " : "").append('"').append(shortName).append('"');
        }
        String config = "{\n  \"peft_type\": \"LORA\",\n  \"task_type\": \"CAUSAL_LM\",\n  \"base_model_name_or_path\": \"tinystories-656k\",\n"
                + "  \"r\": " + r + ",\n  \"lora_alpha\": " + alpha + ",\n  \"lora_dropout\": 0.05,\n"
                + "  \"target_modules\": [" + targets + "],\n  \"use_rslora\": " + rsLora + ",\n  \"use_dora\": false,\n"
                + "  \"fan_in_fan_out\": false,\n  \"bias\": \"none\",\n  \"modules_to_save\": null,\n"
                + "  \"rank_pattern\": {},\n  \"alpha_pattern\": {},\n  \"inference_mode\": true" + extraConfig + "\n}\n";
        Files.writeString(dir.resolve("adapter_config.json"), config);
    }

    private static void entry(StringBuilder header, ByteArrayOutputStream data, String name, int rows, int cols, float[] v) {
        int begin = data.size();
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        data.writeBytes(b.array());
        header.append(",\"").append(name).append("\":{\"dtype\":\"F32\",\"shape\":[").append(rows).append(',').append(cols)
                .append("],\"data_offsets\":[").append(begin).append(',').append(data.size()).append("]}");
    }

    /** The plain-Java update {@code B·A} ([out][in], row-major), in double. */
    static double[] product(Factors f) {
        double[] d = new double[f.out * f.in];
        for (int o = 0; o < f.out; o++) {
            for (int i = 0; i < f.in; i++) {
                double s = 0;
                for (int j = 0; j < f.r; j++) s += (double) f.b[o * f.r + j] * f.a[j * f.in + i];
                d[o * f.in + i] = s;
            }
        }
        return d;
    }

    /** GGUF row of Hugging Face row {@code hf} of a Q/K weight with {@code heads} heads of {@code rows/heads} rows. */
    static int ggufRow(int hf, int rows, int heads) {
        int d = rows / heads;
        int h = hf / d;
        int within = hf % d;
        int s = within / (d / 2);
        int i = within % (d / 2);
        return h * d + 2 * i + s;
    }
}
