package dev.cortado.lora;

import dev.cortado.CortadoException;
import dev.cortado.model.ModelConfig;
import dev.cortado.model.ModelFile;
import dev.cortado.model.TensorNames;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A LoRA adapter as Cortado holds it, whatever file it came from: for each target weight (by its
 * GGUF name, e.g. {@code blk.3.attn_q.weight}, of shape {@code [out, in]}) a pair of F32 matrices
 * {@code A [r, in]} and {@code B [out, r]} in GGUF's layout (for llama, the rows of B for Q and K are
 * in the interleaved RoPE order, as the base's rows are). The update a pair makes is
 * {@code ΔW = scale · B·A}, with {@code scale = alpha / r} ({@code alpha / sqrt(r)} with rsLoRA),
 * or 1 when alpha is 0 (llama.cpp's convention for an adapter without alpha).
 *
 * @param source        the file or directory read (for messages); may be null
 * @param tensors       target GGUF name to its pair, in file order
 * @param alpha         lora_alpha (0: none given, the scale is 1)
 * @param rsLora        rank-stabilised LoRA: scale by {@code alpha / sqrt(r)}
 * @param fanInFanOut   PEFT's flag, kept for round trips; it does not change A and B here (see PeftAdapter)
 * @param architecture  the base's GGUF architecture ("llama"), or null when unknown
 * @param headCount     the base's attention heads (0 when unknown): Q rows' RoPE permutation
 * @param headCountKv   the base's KV heads (0 when unknown): K rows' RoPE permutation
 * @param baseModel     PEFT's base_model_name_or_path, or null
 * @param storedType    the element type the file held the matrices in (F32, F16, BF16, …)
 */
public record LoraAdapter(Path source, Map<String, Pair> tensors, float alpha, boolean rsLora, boolean fanInFanOut,
                          String architecture, int headCount, int headCountKv, String baseModel, TensorType storedType) {

    /** Matrices this big or bigger are refused: they must fit one Java array. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    public LoraAdapter {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /** One target's low-rank factors: {@code a} F32 {@code [r, in]}, {@code b} F32 {@code [out, r]}. */
    public record Pair(Tensor a, Tensor b) {
        public Pair {
            if (a.type() != TensorType.F32 || b.type() != TensorType.F32 || a.rank() != 2 || b.rank() != 2 || a.dim(0) != b.dim(1)) {
                throw new IllegalArgumentException("LoRA pair needs F32 A [r, in] and B [out, r], not " + a + " and " + b);
            }
        }

        public int rank() {
            return (int) a.dim(0);
        }

        public long in() {
            return a.dim(1);
        }

        public long out() {
            return b.dim(0);
        }
    }

    /** The rank every pair shares, or -1 when they differ (GGUF allows it) or there are none. */
    public int rank() {
        int r = -1;
        for (Pair p : tensors.values()) {
            if (r == -1) r = p.rank();
            else if (r != p.rank()) return -1;
        }
        return r;
    }

    /** The scale of {@code p}'s update before the user's factor. */
    public double scale(Pair p) {
        if (alpha == 0) return 1.0;
        return rsLora ? alpha / Math.sqrt(p.rank()) : (double) alpha / p.rank();
    }

    /** The scale of the update to {@code target} before the user's factor. */
    public double scale(String target) {
        Pair p = tensors.get(target);
        if (p == null) throw new IllegalArgumentException("no LoRA pair for " + target);
        return scale(p);
    }

    /** The same adapter with the base's architecture and head counts; refused when the architectures differ. */
    public LoraAdapter withBase(ModelConfig base) {
        if (architecture != null && base.architecture() != null && !architecture.equals(base.architecture())) {
            throw CortadoException.inFile(source == null ? "LoRA adapter" : source, "adapter is for architecture '" + architecture
                    + "' but the base model is '" + base.architecture() + "'");
        }
        return new LoraAdapter(source, tensors, alpha, rsLora, fanInFanOut, base.architecture(), base.nHeads(), base.nKvHeads(),
                baseModel, storedType);
    }

    /**
     * Checks that every target exists in {@code base} as a matrix of the shape the pair implies
     * ({@code [B rows, A columns]}) and that the architectures agree; the first mismatch is named.
     */
    public LoraAdapter validateAgainst(ModelFile base) {
        String where = source == null ? "LoRA adapter" : source.toString();
        String baseArch = base.config().architecture();
        if (architecture != null && baseArch != null && !architecture.equals(baseArch)) {
            throw CortadoException.inFile(where, "adapter is for architecture '" + architecture + "' but " + base.path()
                    + " is '" + baseArch + "'");
        }
        for (Map.Entry<String, Pair> e : tensors.entrySet()) {
            Tensor w = base.tensor(e.getKey());
            Pair p = e.getValue();
            if (w == null && e.getKey().equals(TensorNames.OUTPUT) && base.config().tiedEmbeddings()) {
                throw CortadoException.inFile(where, "adapter tensor " + e.getKey() + " (lm_head) has no counterpart: " + base.path()
                        + " ties its output projection to token_embd, and LoRA on token_embd is not supported");
            }
            if (w == null) {
                throw CortadoException.inFile(where, "adapter tensor " + e.getKey() + " has no counterpart in " + base.path()
                        + " (an adapter for another model?)");
            }
            long[] need = {p.out(), p.in()};
            if (!Arrays.equals(w.shape(), need)) {
                throw CortadoException.inFile(where, "adapter tensor " + e.getKey() + " updates a " + Arrays.toString(need)
                        + " matrix but " + base.path() + " has " + Arrays.toString(w.shape()) + " (an adapter for another model?)");
            }
        }
        return this;
    }

    /** A copy of {@code t}'s values as a heap F32 tensor (the source file may close), checked for size. */
    static Tensor heapF32(Object file, Tensor t, String name) {
        if (t.elementCount() > MAX_ELEMENTS) {
            throw CortadoException.inFile(file, "tensor " + t.name() + " has " + t.elementCount() + " elements, too many for a LoRA factor");
        }
        if (t.type().codec() == null) {
            throw CortadoException.inFile(file, "tensor " + t.name() + " is " + t.type() + ", which Cortado cannot read as a LoRA factor");
        }
        return Tensor.ofFloats(name, TensorType.F32, t.shape(), t.toFloats());
    }
}
