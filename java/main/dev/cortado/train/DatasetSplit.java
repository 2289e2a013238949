package dev.cortado.train;

/** A data file packed for training: the train sequences, the held-out eval sequences (maybe none) and what was done. */
public record DatasetSplit(PackedData train, PackedData eval, DataReport report) {}
