package dev.cortado.model;

import dev.cortado.CortadoException;
import dev.cortado.lora.LoraAdapter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LoRA adapters a {@link Transformer} applies at run time, unmerged: each target weight's
 * {@link Linear} gets the adapter's pair with coefficient {@code scale · factor}. Adapters are
 * checked against the model file before anything changes, so a refused adapter leaves the engine as
 * it was. Several adapters may touch the same weight; their updates add up.
 */
final class RuntimeLora implements AutoCloseable {
    private final ModelFile file;
    private final Map<String, Linear> linears;  // GGUF weight name -> the engine's product
    private final Map<Integer, AppliedLora> applied = new LinkedHashMap<>();
    private int nextId = 1;

    RuntimeLora(ModelFile file, Map<String, Linear> linears) {
        this.file = file;
        this.linears = linears;
    }

    int add(LoraAdapter adapter, float factor) {
        checkFactor(factor);
        adapter.validateAgainst(file);
        Object where = adapter.source() == null ? "LoRA adapter" : adapter.source();
        ModelConfig c = file.config();
        boolean qk = adapter.tensors().keySet().stream().anyMatch(n -> n.contains(".attn_q.") || n.contains(".attn_k."));
        if (qk && adapter.headCount() > 0 && (adapter.headCount() != c.nHeads() || adapter.headCountKv() != c.nKvHeads())) {
            // Q/K rows were put in RoPE order for other head counts: they would update the wrong rows
            throw CortadoException.inFile(where, "adapter was laid out for " + adapter.headCount() + "/" + adapter.headCountKv()
                    + " heads but " + file.path() + " has " + c.nHeads() + "/" + c.nKvHeads());
        }
        for (String target : adapter.tensors().keySet()) {
            if (!linears.containsKey(target)) {
                throw CortadoException.inFile(where, "adapter tensor " + target + " is not a weight the engine multiplies by (only attention, feed-forward and output projections)");
            }
        }
        int id = nextId++;
        for (Map.Entry<String, LoraAdapter.Pair> e : adapter.tensors().entrySet()) {
            linears.get(e.getKey()).lora().add(id, e.getValue(), factor * adapter.scale(e.getValue()));
        }
        applied.put(id, new AppliedLora(id, adapter, factor));
        return id;
    }

    void setFactor(int id, float factor) {
        checkFactor(factor);
        AppliedLora a = require(id);
        for (Map.Entry<String, LoraAdapter.Pair> e : a.adapter().tensors().entrySet()) {
            linears.get(e.getKey()).lora().setCoef(id, factor * a.adapter().scale(e.getValue()));
        }
        applied.put(id, new AppliedLora(id, a.adapter(), factor));
    }

    void remove(int id) {
        AppliedLora a = require(id);
        for (String target : a.adapter().tensors().keySet()) {
            Linear l = linears.get(target);
            l.lora().remove(id);
            if (l.lora().isEmpty()) l.closeLora();
        }
        applied.remove(id);
    }

    /** Whether no adapter is applied (every product is the base weight's alone). */
    boolean isEmpty() {
        return applied.isEmpty();
    }

    List<AppliedLora> list() {
        return List.copyOf(new ArrayList<>(applied.values()));
    }

    private AppliedLora require(int id) {
        AppliedLora a = applied.get(id);
        if (a == null) throw new CortadoException("no LoRA adapter with id " + id + " is loaded");
        return a;
    }

    private static void checkFactor(float factor) {
        if (!Float.isFinite(factor)) throw new CortadoException("LoRA factor " + factor + " is not a finite number");
    }

    @Override
    public void close() {
        for (Linear l : linears.values()) l.closeLora();
        applied.clear();
    }
}
