package dev.cortado.lora;

import dev.cortado.CortadoException;
import dev.cortado.io.AtomicFile;
import dev.cortado.io.safetensors.SafetensorsFile;
import dev.cortado.io.safetensors.SafetensorsWriter;
import dev.cortado.model.Architecture;
import dev.cortado.model.ModelConfig;
import dev.cortado.model.QkPermutation;
import dev.cortado.model.TensorNames;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hugging Face PEFT LoRA adapters: a directory with {@code adapter_config.json} and
 * {@code adapter_model.safetensors}, tensors named
 * {@code base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight} ({@code [r, in]}) and
 * {@code ….lora_B.weight} ({@code [out, r]}).
 *
 * <p>Layout: PEFT's B rows follow the Hugging Face weight's rows, so for llama's Q and K projections
 * (rotate-half RoPE in HF, interleaved in GGUF) the rows of B are permuted exactly as the base's rows
 * are; A (input side) is left alone. This is what llama.cpp's convert_lora_to_gguf.py does. That
 * needs the base's head counts, so reading or writing an adapter on q_proj/k_proj takes the base's
 * config. {@code fan_in_fan_out} (for GPT-2's Conv1D, whose weights are stored [in, out]) does not
 * change A and B — PEFT stores them as for a Linear either way and transposes only the product to the
 * stored weight's orientation; Cortado's weights are always [out, in], so the flag is only kept.
 */
public final class PeftAdapter {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    private static final String PREFIX = "base_model.model.";
    private static final Set<String> MODULES = Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head");

    private PeftAdapter() {}

    /**
     * Reads the adapter in {@code dir}. {@code base} (nullable) supplies the architecture and head
     * counts; it is required when the adapter targets q_proj or k_proj.
     */
    public static LoraAdapter read(Path dir, ModelConfig base) {
        if (!Files.isDirectory(dir)) throw CortadoException.inFile(dir, "not a directory (a PEFT adapter is a directory with " + CONFIG + " and " + WEIGHTS + ")");
        PeftConfig cfg = PeftConfig.read(dir.resolve(CONFIG));
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            String hint = Files.exists(dir.resolve("adapter_model.bin")) ? " (adapter_model.bin, a pickle, is not read: save with safetensors)" : "";
            throw CortadoException.inFile(weights, "missing" + hint);
        }
        Map<String, Tensor[]> pairs = new LinkedHashMap<>();
        TensorType stored = null;
        try (SafetensorsFile st = SafetensorsFile.open(weights)) {
            for (Tensor t : st.tensors()) {
                String name = t.name();
                boolean isA = name.endsWith(".lora_A.weight");
                boolean isB = name.endsWith(".lora_B.weight");
                if (name.contains("lora_magnitude_vector")) throw CortadoException.inFile(weights, "tensor " + name + " is a DoRA magnitude: DoRA is not supported");
                if (name.contains("lora_embedding_")) throw CortadoException.inFile(weights, "tensor " + name + ": LoRA on embed_tokens is not supported");
                if ((!isA && !isB) || !name.startsWith(PREFIX)) {
                    throw CortadoException.inFile(weights, "tensor " + name + " is not a LoRA factor (base_model.model.<module>.lora_A/lora_B.weight)");
                }
                String module = name.substring(PREFIX.length(), name.length() - ".lora_A.weight".length());
                String target = ggufTarget(weights, name, module);
                if (t.rank() != 2) throw CortadoException.inFile(weights, "tensor " + name + " has shape " + Arrays.toString(t.shape()) + ", not a matrix");
                Tensor[] p = pairs.computeIfAbsent(target, k -> new Tensor[2]);
                p[isA ? 0 : 1] = LoraAdapter.heapF32(weights, t, target + (isA ? ".lora_a" : ".lora_b"));
                stored = t.type();
            }
        }
        if (pairs.isEmpty()) throw CortadoException.inFile(weights, "holds no LoRA tensors");
        Map<String, LoraAdapter.Pair> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor[]> e : pairs.entrySet()) {
            String target = e.getKey();
            Tensor a = e.getValue()[0];
            Tensor b = e.getValue()[1];
            String hf = PREFIX + TensorNames.toHf(target).replace(".weight", "");
            if (a == null || b == null) throw CortadoException.inFile(weights, hf + " has only its lora_" + (a == null ? "B" : "A") + " tensor");
            if (a.dim(0) != cfg.r() || b.dim(1) != cfg.r()) {
                throw CortadoException.inFile(weights, hf + ": lora_A " + Arrays.toString(a.shape()) + " and lora_B " + Arrays.toString(b.shape())
                        + " do not have the rank r=" + cfg.r() + " of " + CONFIG);
            }
            b = toLayout(weights, target, b, base, true);
            out.put(target, new LoraAdapter.Pair(a, b));
        }
        return new LoraAdapter(dir, out, (float) cfg.loraAlpha(), cfg.useRslora(), cfg.fanInFanOut(),
                base == null ? null : base.architecture(), base == null ? 0 : base.nHeads(), base == null ? 0 : base.nKvHeads(),
                cfg.baseModel(), stored);
    }

    /**
     * Writes {@code adapter} as a PEFT directory. {@code base} (nullable) overrides the adapter's own
     * architecture and head counts; {@code type} null keeps the stored type when PEFT can hold it.
     */
    public static void write(LoraAdapter adapter, Path dir, ModelConfig base, TensorType type) {
        if (adapter.tensors().isEmpty()) throw CortadoException.inFile(dir, "the adapter has no tensors to write");
        int r = adapter.rank();
        if (r <= 0) throw CortadoException.inFile(dir, "the adapter's pairs have different ranks, which PEFT's adapter_config.json cannot say without rank_pattern");
        if (type == null) type = adapter.storedType() == TensorType.F16 || adapter.storedType() == TensorType.BF16 ? adapter.storedType() : TensorType.F32;
        if (type != TensorType.F32 && type != TensorType.F16 && type != TensorType.BF16) {
            throw new CortadoException("--type " + type.lowerName() + ": a PEFT adapter holds f32, f16 or bf16");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw CortadoException.inFile(dir, "exists and is not a directory");
        LoraAdapter a = base == null ? adapter : adapter.withBase(base);
        ModelConfig heads = new ModelConfig(a.architecture(), null, 0, 0, a.headCount(), a.headCountKv(), 0, 0, 0, 0, 0, 0, null, false);
        List<Tensor> tensors = new ArrayList<>();
        Set<String> modules = new LinkedHashSet<>();
        for (Map.Entry<String, LoraAdapter.Pair> e : a.tensors().entrySet()) {
            String target = e.getKey();
            String module = PREFIX + hfModule(dir, target);
            modules.add(module.substring(module.lastIndexOf('.') + 1));
            Tensor b = toLayout(dir, target, e.getValue().b(), heads, false);
            tensors.add(convert(e.getValue().a(), type).renamed(module + ".lora_A.weight"));
            tensors.add(convert(b, type).renamed(module + ".lora_B.weight"));
        }
        // alpha 0 means "scale 1" in llama.cpp; PEFT says that with lora_alpha = r
        double alpha = a.alpha() == 0 ? r : a.alpha();
        PeftConfig cfg = new PeftConfig(r, alpha, a.rsLora(), a.fanInFanOut(), a.baseModel());
        List<String> sorted = MODULES.stream().filter(modules::contains).sorted().toList();
        SafetensorsWriter.write(dir.resolve(WEIGHTS), Map.of("format", "pt"), tensors);
        AtomicFile.writeStream(dir.resolve(CONFIG), o -> {
            o.write(PeftConfig.JSON.writeValueAsBytes(cfg.toJson(sorted)));
            o.write('\n');
        });
    }

    private static Tensor convert(Tensor t, TensorType type) {
        return type == TensorType.F32 ? t : Tensor.ofFloats(t.name(), type, t.shape(), t.toFloats());
    }

    /** The GGUF weight a PEFT module name ({@code model.layers.3.self_attn.q_proj}) updates. */
    private static String ggufTarget(Path file, String tensor, String module) {
        String last = module.substring(module.lastIndexOf('.') + 1);
        if (last.equals("embed_tokens")) throw CortadoException.inFile(file, "tensor " + tensor + ": LoRA on embed_tokens is not supported");
        if (!MODULES.contains(last)) {
            throw CortadoException.inFile(file, "tensor " + tensor + ": module " + last + " is not supported (supported: "
                    + String.join(", ", new java.util.TreeSet<>(MODULES)) + ")");
        }
        try {
            return TensorNames.fromHf(module + ".weight");
        } catch (IllegalArgumentException e) {
            throw CortadoException.inFile(file, "tensor " + tensor + " names no Llama weight Cortado knows");
        }
    }

    private static String hfModule(Path file, String target) {
        String hf;
        try {
            hf = TensorNames.toHf(target);
        } catch (IllegalArgumentException e) {
            hf = null;
        }
        if (hf == null || !hf.endsWith(".weight") || !MODULES.contains(hf.substring(0, hf.length() - 7).replaceAll(".*\\.", ""))) {
            throw CortadoException.inFile(file, "adapter tensor " + target + " has no PEFT module name (supported: q_proj … down_proj, lm_head)");
        }
        return hf.substring(0, hf.length() - ".weight".length());
    }

    /**
     * B's rows between HF's rotate-half Q/K layout and GGUF's interleaved one ({@code toGguf}) or
     * back; {@code base} gives the architecture and head counts (null: unknown).
     */
    static Tensor toLayout(Object file, String target, Tensor b, ModelConfig base, boolean toGguf) {
        String kind = TensorNames.baseOf(target);
        boolean q = "attn_q".equals(kind);
        boolean k = "attn_k".equals(kind);
        if (!q && !k) return b;
        String hint = "give the base model (--base)";
        if (base == null || base.architecture() == null) {
            throw CortadoException.inFile(file, "adapter tensor " + target + " needs the base model's architecture and head counts to put its rows in "
                    + (toGguf ? "GGUF's" : "Hugging Face's") + " RoPE layout: " + hint);
        }
        Architecture arch = base.arch();
        if (arch == null) throw CortadoException.inFile(file, "architecture '" + base.architecture() + "' is not supported for LoRA on Q/K");
        if (!arch.permutesQk()) return b;
        int heads = q ? base.nHeads() : base.nKvHeads();
        if (heads <= 0) {
            throw CortadoException.inFile(file, "adapter tensor " + target + " needs the base model's head counts to permute its rows: " + hint);
        }
        if (b.dim(0) % heads != 0 || (b.dim(0) / heads) % 2 != 0) {
            throw CortadoException.inFile(file, "adapter tensor " + target + " has " + b.dim(0) + " output rows, which do not split into "
                    + heads + " heads of even width (an adapter for another model?)");
        }
        return toGguf ? QkPermutation.hfToGguf(b, heads) : QkPermutation.ggufToHf(b, heads);
    }
}
