package dev.cortado.model;

/**
 * Which dimensions RoPE rotates together. GGUF's {@code llama} architecture rotates adjacent pairs
 * (2i, 2i+1) — the original Meta layout, also llama2.c's; Hugging Face's Llama checkpoints were
 * permuted to rotate halves (i, i + d/2) ("rotate_half", llama.cpp's NEOX type), and Qwen2 models
 * use that layout in GGUF too.
 */
public enum RopeLayout {
    /** Adjacent pairs (2i, 2i+1): GGUF llama/mistral, llama2.c. */
    INTERLEAVED,
    /** Halves (i, i + d/2): Hugging Face rotate_half, GGUF qwen2 (NEOX). */
    HALVES
}
