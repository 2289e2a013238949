package dev.cortado.tokenizer.train;

/**
 * What a training run did, as summary.json records it and the CLI prints it.
 *
 * @param heldOutBytesPerToken compression on the held-out text (NaN when nothing was held out)
 * @param peakRssBytes         the process's peak resident memory (VmHWM), -1 where unknown
 */
public record TrainSummary(int vocabSize, int merges, int specialTokens, String pattern, int files, long documents,
                           long inputBytes, long trainingBytes, long pieces, long distinctPieces, long invalidUtf8Bytes,
                           long prunedPieces, long prunedOccurrences, long pruneMinCount, long heldOutBytes,
                           long heldOutTokens, double heldOutBytesPerToken, double countSeconds, double mergeSeconds,
                           double totalSeconds, long peakRssBytes, int threads) {}
