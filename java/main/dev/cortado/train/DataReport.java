package dev.cortado.train;

/**
 * What {@link FinetuneData#load} made of a data file. {@code format} is {@code text},
 * {@code prompt-completion}, {@code messages} or {@code txt}; {@code examples} counts the examples
 * kept (one per .jsonl line, a conversation split per turn still one; for .txt the windows); {@code skippedBad} the malformed lines skipped; {@code truncated} the
 * examples cut to fit a sequence (or dropped because nothing trainable was left); the token counts
 * are targets that count towards the loss.
 */
public record DataReport(String format, long examples, long skippedBad, long truncated,
                         long trainSequences, long evalSequences, long trainTokens, long evalTokens) {}
