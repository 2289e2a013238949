package dev.cortado.io.safetensors;

import dev.cortado.tensor.TensorType;

import java.util.Map;
import java.util.Set;

/** The safetensors dtype names and the {@link TensorType} each one maps to. */
final class SafetensorsTypes {
    private SafetensorsTypes() {}

    private static final Map<String, TensorType> BY_NAME = Map.of(
            "F32", TensorType.F32, "F16", TensorType.F16, "BF16", TensorType.BF16, "F64", TensorType.F64,
            "I8", TensorType.I8, "I16", TensorType.I16, "I32", TensorType.I32, "I64", TensorType.I64);

    /** Dtypes the format defines that have no Cortado counterpart (unsigned, bool, 8-bit and smaller floats). */
    private static final Set<String> UNSUPPORTED = Set.of(
            "BOOL", "U8", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64");

    static final String SUPPORTED_LIST = "F32, F16, BF16, F64, I8, I16, I32, I64";

    /** The type for a dtype name, or null when the name is unknown or unsupported. */
    static TensorType fromName(String dtype) {
        return BY_NAME.get(dtype);
    }

    static boolean isKnownButUnsupported(String dtype) {
        return UNSUPPORTED.contains(dtype);
    }

    /** The safetensors dtype name of {@code type}, or null when safetensors cannot hold it. */
    static String nameOf(TensorType type) {
        return switch (type) {
            case F32, F16, BF16, F64, I8, I16, I32, I64 -> type.name();
            default -> null;
        };
    }
}
