package dev.cortado.train;

import java.util.Set;

/**
 * What to fine-tune with LoRA: factors of rank {@code rank} on the {@code targets} projections of
 * every layer (any of q, k, v, o, gate, up, down), scaled by {@code alpha / rank}; {@code qlora}
 * re-holds the frozen matrices (every projection, token_embd and an untied output) as NF4 (QLoRA).
 */
public record LoraSpec(int rank, float alpha, Set<String> targets, boolean qlora) {
    /** The target names, in the order the parameters follow. */
    public static final java.util.List<String> ALL = java.util.List.of("q", "k", "v", "o", "gate", "up", "down");

    public LoraSpec {
        targets = Set.copyOf(targets);
    }
}
