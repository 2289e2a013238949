package dev.cortado.tokenizer.train;

import java.nio.file.Path;
import java.util.List;

/**
 * What to train: the CLI's flags as a record.
 *
 * @param inputs          files and directories
 * @param vocabSize       the whole vocabulary: 256 byte tokens + merges + special tokens
 * @param minFrequency    the least count a pair needs to be merged (0 or 1: any pair seen)
 * @param specialTokens   added after the merges, in this order, with the vocabulary's last ids
 * @param pattern         gpt2, cl100k, o200k, llama3, or a regex
 * @param maxTokenLength  no token longer than this many bytes (Integer.MAX_VALUE: no limit)
 * @param jsonlField      the field of each JSON Lines record that holds its text
 * @param threads         counting threads
 * @param seed            chooses where in each chunk the held-out slice lies
 * @param heldOutFraction the share of the text held out of training to measure compression (0: none)
 * @param memoryBudget    bytes the word counts may take before rare words are pruned
 */
public record TrainOptions(List<Path> inputs, int vocabSize, long minFrequency, List<String> specialTokens,
                           String pattern, int maxTokenLength, String jsonlField, int threads, long seed,
                           double heldOutFraction, long memoryBudget) {
    public TrainOptions {
        inputs = List.copyOf(inputs);
        specialTokens = List.copyOf(specialTokens);
    }

    /** Defaults for everything but the inputs and the vocabulary size. */
    public static TrainOptions of(List<Path> inputs, int vocabSize) {
        return new TrainOptions(inputs, vocabSize, 0, List.of(), "gpt2", Integer.MAX_VALUE, "text",
                Runtime.getRuntime().availableProcessors(), 0, 0.01, Runtime.getRuntime().maxMemory() / 3);
    }

    public TrainOptions withSpecialTokens(List<String> s) {
        return new TrainOptions(inputs, vocabSize, minFrequency, s, pattern, maxTokenLength, jsonlField, threads, seed,
                heldOutFraction, memoryBudget);
    }

    public TrainOptions withPattern(String p) {
        return new TrainOptions(inputs, vocabSize, minFrequency, specialTokens, p, maxTokenLength, jsonlField, threads,
                seed, heldOutFraction, memoryBudget);
    }

    public TrainOptions withThreads(int t) {
        return new TrainOptions(inputs, vocabSize, minFrequency, specialTokens, pattern, maxTokenLength, jsonlField, t,
                seed, heldOutFraction, memoryBudget);
    }

    public TrainOptions withHeldOut(double f) {
        return new TrainOptions(inputs, vocabSize, minFrequency, specialTokens, pattern, maxTokenLength, jsonlField,
                threads, seed, f, memoryBudget);
    }

    public TrainOptions withMemoryBudget(long bytes) {
        return new TrainOptions(inputs, vocabSize, minFrequency, specialTokens, pattern, maxTokenLength, jsonlField,
                threads, seed, heldOutFraction, bytes);
    }

    public TrainOptions withMinFrequency(long f) {
        return new TrainOptions(inputs, vocabSize, f, specialTokens, pattern, maxTokenLength, jsonlField, threads, seed,
                heldOutFraction, memoryBudget);
    }

    public TrainOptions withMaxTokenLength(int l) {
        return new TrainOptions(inputs, vocabSize, minFrequency, specialTokens, pattern, l, jsonlField, threads, seed,
                heldOutFraction, memoryBudget);
    }
}
