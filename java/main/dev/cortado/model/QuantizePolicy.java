package dev.cortado.model;

import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which type each tensor gets when a model is converted or quantized to {@code target}, following
 * llama.cpp's rules (llama_tensor_get_type, without importance matrices):
 * <ul>
 *   <li>tensors of rank 1 (norms, biases) and {@code rope_freqs} stay F32;</li>
 *   <li>for a quantized target, the output projection (or the token embedding when it doubles as
 *       the output) gets Q6_K — Q8_0 when its rows are not a multiple of 256 — unless Q8_0 was asked;</li>
 *   <li>a type whose block does not divide the row length falls back: Q4_K→Q5_0, Q5_K→Q5_1,
 *       Q6_K→Q8_0, and to F16 when even that does not fit.</li>
 * </ul>
 */
public final class QuantizePolicy {
    private QuantizePolicy() {}

    /** Types {@code cortado quantize} and {@code convert --type} accept. */
    public static final Set<TensorType> TARGETS = EnumSet.of(TensorType.F32, TensorType.F16, TensorType.BF16,
            TensorType.Q8_0, TensorType.Q4_0, TensorType.Q4_1, TensorType.Q5_0, TensorType.Q5_1, TensorType.Q4_K,
            TensorType.Q5_K, TensorType.Q6_K);

    public static TensorType typeFor(Tensor t, TensorType target, boolean tiedEmbeddings) {
        if (t.rank() < 2 || t.name().equals(TensorNames.ROPE_FREQS)) return TensorType.F32;
        if (!target.isQuantized()) return target;
        long rowLength = t.dim(t.rank() - 1);
        TensorType type = target;
        boolean isOutput = t.name().equals(TensorNames.OUTPUT) || (tiedEmbeddings && t.name().equals(TensorNames.TOKEN_EMBD));
        if (isOutput && target != TensorType.Q8_0) {
            type = rowLength % 256 == 0 ? TensorType.Q6_K : TensorType.Q8_0;
        }
        if (rowLength % type.blockSize() != 0) {
            type = switch (type) {
                case Q4_K -> TensorType.Q5_0;
                case Q5_K -> TensorType.Q5_1;
                case Q6_K -> TensorType.Q8_0;
                default -> type;
            };
        }
        if (rowLength % type.blockSize() != 0) type = TensorType.F16;
        return type;
    }

    /** llama.cpp's {@code general.file_type} (LLAMA_FTYPE_*) for a whole-model target type. */
    public static int fileType(TensorType target) {
        return switch (target) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q5_1 -> 9;
            case Q4_K -> 14;  // Q4_K_S: every tensor Q4_K
            case Q5_K -> 16;  // Q5_K_S
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no file type for " + target);
        };
    }

    /** The type most of a model's matrices have: what "--type same" keeps. */
    public static TensorType dominantType(Iterable<Tensor> tensors) {
        java.util.EnumMap<TensorType, Long> bytes = new java.util.EnumMap<>(TensorType.class);
        for (Tensor t : tensors) if (t.rank() >= 2) bytes.merge(t.type(), t.elementCount(), Long::sum);
        return bytes.entrySet().stream().max(java.util.Map.Entry.comparingByValue()).map(java.util.Map.Entry::getKey)
                .orElse(TensorType.F32);
    }
}
