package dev.cortado.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tensor names: Cortado uses llama.cpp's GGUF names everywhere ({@code token_embd.weight},
 * {@code blk.N.attn_q.weight}, …); this maps Hugging Face's and llama2.c's names to them and back.
 */
public final class TensorNames {
    private TensorNames() {}

    public static final String TOKEN_EMBD = "token_embd.weight";
    public static final String OUTPUT_NORM = "output_norm.weight";
    public static final String OUTPUT = "output.weight";
    public static final String ROPE_FREQS = "rope_freqs.weight";

    /** Per-layer GGUF base names and their Hugging Face counterparts under {@code model.layers.N.}. */
    private static final String[][] LAYER = {
        {"attn_norm", "input_layernorm"},
        {"attn_q", "self_attn.q_proj"},
        {"attn_k", "self_attn.k_proj"},
        {"attn_v", "self_attn.v_proj"},
        {"attn_output", "self_attn.o_proj"},
        {"ffn_norm", "post_attention_layernorm"},
        {"ffn_gate", "mlp.gate_proj"},
        {"ffn_up", "mlp.up_proj"},
        {"ffn_down", "mlp.down_proj"},
    };

    /** llama2.c's per-layer names (suffix .N) and the GGUF base names they become. */
    private static final String[][] LLAMA2C_LAYER = {
        {"rms_att_weight", "attn_norm"}, {"wq", "attn_q"}, {"wk", "attn_k"}, {"wv", "attn_v"},
        {"wo", "attn_output"}, {"rms_ffn_weight", "ffn_norm"}, {"w1", "ffn_gate"}, {"w2", "ffn_down"},
        {"w3", "ffn_up"},
    };

    private static final Pattern HF_LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)\\.(weight|bias)");
    private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(\\d+)\\.([a-z_]+)\\.(weight|bias)");
    private static final Pattern LLAMA2C = Pattern.compile("([a-z_0-9]+)\\.(\\d+)");

    /** The GGUF name for a Hugging Face tensor name; null for tensors GGUF does not keep (rotary inv_freq). */
    public static String fromHf(String hf) {
        switch (hf) {
            case "model.embed_tokens.weight": return TOKEN_EMBD;
            case "model.norm.weight": return OUTPUT_NORM;
            case "lm_head.weight": return OUTPUT;
            default: break;
        }
        if (hf.endsWith("rotary_emb.inv_freq")) return null;
        Matcher m = HF_LAYER.matcher(hf);
        if (m.matches()) {
            for (String[] pair : LAYER) {
                if (pair[1].equals(m.group(2))) return "blk." + m.group(1) + "." + pair[0] + "." + m.group(3);
            }
        }
        throw new IllegalArgumentException(hf);
    }

    /** The Hugging Face name for a GGUF tensor name; null for tensors with no HF counterpart (rope_freqs). */
    public static String toHf(String gguf) {
        switch (gguf) {
            case TOKEN_EMBD: return "model.embed_tokens.weight";
            case OUTPUT_NORM: return "model.norm.weight";
            case OUTPUT: return "lm_head.weight";
            case ROPE_FREQS: return null;
            default: break;
        }
        Matcher m = GGUF_LAYER.matcher(gguf);
        if (m.matches()) {
            for (String[] pair : LAYER) {
                if (pair[0].equals(m.group(2))) return "model.layers." + m.group(1) + "." + pair[1] + "." + m.group(3);
            }
        }
        throw new IllegalArgumentException(gguf);
    }

    /** The GGUF name for a llama2.c tensor name (as the llama2.c reader names them). */
    public static String fromLlama2c(String name) {
        switch (name) {
            case "token_embedding_table": return TOKEN_EMBD;
            case "rms_final_weight": return OUTPUT_NORM;
            case "wcls": return OUTPUT;
            default: break;
        }
        Matcher m = LLAMA2C.matcher(name);
        if (m.matches()) {
            for (String[] pair : LLAMA2C_LAYER) {
                if (pair[0].equals(m.group(1))) return "blk." + m.group(2) + "." + pair[1] + ".weight";
            }
        }
        throw new IllegalArgumentException(name);
    }

    /** {@code blk.N.<base>.weight}. */
    public static String layer(int n, String base) {
        return "blk." + n + "." + base + ".weight";
    }

    /** {@code blk.N.<base>.bias}. */
    public static String layerBias(int n, String base) {
        return "blk." + n + "." + base + ".bias";
    }

    /** The layer index of a {@code blk.N.*} name, or -1. */
    public static int layerOf(String gguf) {
        Matcher m = GGUF_LAYER.matcher(gguf);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** The base name of a {@code blk.N.<base>.weight|bias} name ("attn_q"), or null. */
    public static String baseOf(String gguf) {
        Matcher m = GGUF_LAYER.matcher(gguf);
        return m.matches() ? m.group(2) : null;
    }
}
