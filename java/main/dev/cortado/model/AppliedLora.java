package dev.cortado.model;

import dev.cortado.lora.LoraAdapter;

/**
 * A LoRA adapter a {@link Transformer} applies at run time.
 *
 * @param id      the handle {@link Transformer#addAdapter} returned
 * @param adapter the adapter
 * @param factor  the user's factor (the update is {@code factor · scale · B·A}); 0 leaves the base's outputs exact
 */
public record AppliedLora(int id, LoraAdapter adapter, float factor) {}
