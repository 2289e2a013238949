package dev.cortado.lora;

import dev.cortado.CortadoException;
import dev.cortado.io.gguf.GgufFile;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.gguf.GgufWriter;
import dev.cortado.model.ModelConfig;
import dev.cortado.model.TensorNames;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * llama.cpp's GGUF LoRA adapters, as convert_lora_to_gguf.py writes them and src/llama-adapter.cpp
 * reads them: {@code general.type = "adapter"}, {@code adapter.type = "lora"},
 * {@code adapter.lora.alpha} (float32; absent or 0 means scale 1), {@code general.architecture} equal
 * to the base's, and for each base weight {@code W} two tensors {@code W.lora_a} (ne {@code (in, r)},
 * i.e. row-major {@code [r, in]}) and {@code W.lora_b} (ne {@code (r, out)}, row-major
 * {@code [out, r]}); llama.cpp takes the rank from {@code lora_b}'s ne[0] and scales by alpha / r.
 * Rows are in GGUF's layout (Q/K interleaved for llama).
 *
 * <p>llama.cpp knows no rsLoRA; Cortado writes such an adapter with {@code adapter.lora.alpha =
 * alpha·sqrt(r)}, which gives llama.cpp the same scale, and keeps the original in
 * {@code cortado.lora.alpha} with {@code cortado.lora.use_rslora = true} for an exact way back. The
 * base's head counts ({@code <arch>.attention.head_count[_kv]}) are written too, so that the
 * adapter converts back to PEFT without the base model.
 */
public final class GgufLoraAdapter {
    static final String KEY_RSLORA = "cortado.lora.use_rslora";
    static final String KEY_ALPHA = "cortado.lora.alpha";
    static final String KEY_FAN_IN_FAN_OUT = "cortado.lora.fan_in_fan_out";
    static final String KEY_BASE_MODEL = "cortado.lora.base_model";

    private GgufLoraAdapter() {}

    public static LoraAdapter read(Path path) {
        try (GgufFile g = GgufFile.open(path)) {
            GgufMetadata md = g.metadata();
            String type = md.getString("general.type");
            if (!"adapter".equals(type)) {
                throw CortadoException.inFile(path, "not a LoRA adapter: general.type is " + (type == null ? "absent" : "'" + type + "'") + ", not 'adapter'");
            }
            String adapterType = md.getString("adapter.type");
            if (!"lora".equals(adapterType)) {
                throw CortadoException.inFile(path, "adapter.type is " + (adapterType == null ? "absent" : "'" + adapterType + "'") + ", not 'lora'");
            }
            if (md.contains("adapter.alora.invocation_tokens")) throw CortadoException.inFile(path, "activated LoRA (adapter.alora.invocation_tokens) is not supported");
            float alpha = (float) md.getDouble("adapter.lora.alpha", 0);
            boolean rs = md.getBool(KEY_RSLORA, false);
            if (rs) {
                if (!md.contains(KEY_ALPHA)) throw CortadoException.inFile(path, KEY_RSLORA + " is set but " + KEY_ALPHA + " is absent");
                alpha = (float) md.getDouble(KEY_ALPHA, 0);
            }
            if (!Float.isFinite(alpha) || alpha < 0) throw CortadoException.inFile(path, "adapter.lora.alpha " + alpha + " is not a finite non-negative number");
            String arch = md.getString("general.architecture");

            Map<String, Tensor[]> pairs = new LinkedHashMap<>();
            TensorType stored = null;
            for (Tensor t : g.tensors()) {
                String name = t.name();
                boolean isA = name.endsWith(".lora_a");
                boolean isB = name.endsWith(".lora_b");
                if (!isA && !isB) {
                    throw CortadoException.inFile(path, "tensor " + name + " is not a LoRA factor (*.lora_a / *.lora_b); "
                            + (name.endsWith("_norm.weight") ? "adapters that replace norm weights are not supported" : "unexpected suffix"));
                }
                String target = name.substring(0, name.length() - ".lora_a".length());
                if (target.equals(TensorNames.TOKEN_EMBD)) throw CortadoException.inFile(path, "tensor " + name + ": LoRA on token_embd is not supported");
                if (t.rank() != 2) throw CortadoException.inFile(path, "tensor " + name + " has shape " + Arrays.toString(t.shape()) + ", not a matrix");
                Tensor[] p = pairs.computeIfAbsent(target, k -> new Tensor[2]);
                p[isA ? 0 : 1] = LoraAdapter.heapF32(path, t, name);
                stored = t.type();
            }
            if (pairs.isEmpty()) throw CortadoException.inFile(path, "holds no LoRA tensors");
            Map<String, LoraAdapter.Pair> out = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor[]> e : pairs.entrySet()) {
                Tensor a = e.getValue()[0];
                Tensor b = e.getValue()[1];
                if (a == null || b == null) throw CortadoException.inFile(path, "LoRA pair for " + e.getKey() + " is missing its " + (a == null ? "lora_a" : "lora_b"));
                if (a.dim(0) != b.dim(1)) {
                    throw CortadoException.inFile(path, e.getKey() + ": lora_a " + Arrays.toString(a.shape()) + " and lora_b " + Arrays.toString(b.shape())
                            + " do not share a rank (lora_a must be [r, in], lora_b [out, r])");
                }
                out.put(e.getKey(), new LoraAdapter.Pair(a, b));
            }
            int heads = arch == null ? 0 : md.getInt(arch + ".attention.head_count", 0);
            int kvHeads = arch == null ? 0 : md.getInt(arch + ".attention.head_count_kv", heads);
            return new LoraAdapter(path, out, alpha, rs, md.getBool(KEY_FAN_IN_FAN_OUT, false), arch, heads, kvHeads,
                    md.getString(KEY_BASE_MODEL), stored);
        }
    }

    /**
     * Writes {@code adapter} as a llama.cpp GGUF LoRA. {@code base} (nullable) overrides the
     * adapter's architecture and head counts; {@code type} null keeps the stored type (F32, F16 or BF16).
     */
    public static void write(LoraAdapter adapter, Path out, ModelConfig base, TensorType type) {
        LoraAdapter a = base == null ? adapter : adapter.withBase(base);
        if (a.tensors().isEmpty()) throw CortadoException.inFile(out, "the adapter has no tensors to write");
        if (a.architecture() == null) {
            throw CortadoException.inFile(out, "a GGUF LoRA names its base's architecture, which is unknown here: give the base model (--base)");
        }
        if (type == null) type = a.storedType() == TensorType.F16 || a.storedType() == TensorType.BF16 ? a.storedType() : TensorType.F32;
        if (type != TensorType.F32 && type != TensorType.F16 && type != TensorType.BF16) {
            throw new CortadoException("--type " + type.lowerName() + ": a GGUF LoRA adapter is written as f32, f16 or bf16");
        }
        GgufMetadata md = new GgufMetadata();
        md.putString("general.architecture", a.architecture());
        md.putString("general.type", "adapter");
        md.putString("adapter.type", "lora");
        if (a.rsLora()) {
            int r = a.rank();
            if (r <= 0) throw CortadoException.inFile(out, "an rsLoRA adapter with pairs of different ranks has no single llama.cpp alpha");
            md.putFloat32("adapter.lora.alpha", (float) (a.alpha() * Math.sqrt(r)));
            md.putBool(KEY_RSLORA, true);
            md.putFloat32(KEY_ALPHA, a.alpha());
        } else {
            md.putFloat32("adapter.lora.alpha", a.alpha());
        }
        if (a.headCount() > 0) md.putUint32(a.architecture() + ".attention.head_count", a.headCount());
        if (a.headCountKv() > 0) md.putUint32(a.architecture() + ".attention.head_count_kv", a.headCountKv());
        if (a.fanInFanOut()) md.putBool(KEY_FAN_IN_FAN_OUT, true);
        if (a.baseModel() != null) md.putString(KEY_BASE_MODEL, a.baseModel());
        List<Tensor> tensors = new ArrayList<>();
        for (Map.Entry<String, LoraAdapter.Pair> e : a.tensors().entrySet()) {
            tensors.add(convert(e.getValue().a(), type).renamed(e.getKey() + ".lora_a"));
            tensors.add(convert(e.getValue().b(), type).renamed(e.getKey() + ".lora_b"));
        }
        GgufWriter.write(out, md, tensors);
    }

    private static Tensor convert(Tensor t, TensorType type) {
        return type == TensorType.F32 ? t : Tensor.ofFloats(t.name(), type, t.shape(), t.toFloats());
    }
}
