package dev.cortado.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The transformer families Cortado runs, by their GGUF name, with the Hugging Face class names
 * that map to them and the RoPE layout of their GGUF tensors.
 */
public enum Architecture {
    /** Llama 2/3/3.x, Mistral, SmolLM, TinyStories: GGUF stores Q/K in the interleaved layout. */
    LLAMA("llama", RopeLayout.INTERLEAVED, false, "LlamaForCausalLM", "MistralForCausalLM"),
    /** Qwen2 / Qwen2.5: Q/K/V biases; GGUF keeps Hugging Face's rotate-half layout. */
    QWEN2("qwen2", RopeLayout.HALVES, true, "Qwen2ForCausalLM");

    private final String ggufName;
    private final RopeLayout ggufRopeLayout;
    private final boolean qkvBias;
    private final String[] hfClasses;

    Architecture(String ggufName, RopeLayout ggufRopeLayout, boolean qkvBias, String... hfClasses) {
        this.ggufName = ggufName;
        this.ggufRopeLayout = ggufRopeLayout;
        this.qkvBias = qkvBias;
        this.hfClasses = hfClasses;
    }

    public String ggufName() {
        return ggufName;
    }

    /** How RoPE pairs dimensions in this architecture's GGUF tensors. */
    public RopeLayout ggufRopeLayout() {
        return ggufRopeLayout;
    }

    /** Whether Q/K rows must be permuted between Hugging Face's layout and GGUF's. */
    public boolean permutesQk() {
        return ggufRopeLayout == RopeLayout.INTERLEAVED;
    }

    /** Whether the attention projections always carry biases (Qwen2). */
    public boolean qkvBias() {
        return qkvBias;
    }

    /** The Hugging Face class name written to config.json's "architectures". */
    public String hfClass() {
        return hfClasses[0];
    }

    /** Hugging Face's {@code model_type} for config.json. */
    public String hfModelType() {
        return ggufName;
    }

    /** The architecture with this GGUF name, or null. */
    public static Architecture fromGguf(String name) {
        for (Architecture a : values()) if (a.ggufName.equals(name)) return a;
        return null;
    }

    /** The architecture for a Hugging Face class name (e.g. "LlamaForCausalLM"), or null. */
    public static Architecture fromHfClass(String cls) {
        for (Architecture a : values()) for (String c : a.hfClasses) if (c.equals(cls)) return a;
        return null;
    }

    /** The architecture for a Hugging Face model_type ("llama", "mistral", "qwen2"), or null. */
    public static Architecture fromHfModelType(String type) {
        if (type == null) return null;
        return switch (type.toLowerCase(Locale.ROOT)) {
            case "llama", "mistral" -> LLAMA;
            case "qwen2" -> QWEN2;
            default -> null;
        };
    }

    /** "llama, qwen2" for error messages. */
    public static String supportedNames() {
        return Arrays.stream(values()).map(Architecture::ggufName).collect(Collectors.joining(", "));
    }

    public static String supportedHfClasses() {
        return Arrays.stream(values()).flatMap(a -> Arrays.stream(a.hfClasses)).collect(Collectors.joining(", "));
    }
}
