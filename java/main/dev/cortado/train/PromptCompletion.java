package dev.cortado.train;

import java.util.Objects;

/** A prompt and the completion the model should give (a held-out task example). */
public record PromptCompletion(String prompt, String completion) {
    public PromptCompletion {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(completion, "completion");
    }
}
