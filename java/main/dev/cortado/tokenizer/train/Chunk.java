package dev.cortado.tokenizer.train;

/**
 * A run of input text handed to a counting thread: {@code data[0, length)} holds whole documents
 * (a file's text is one document, cut between lines; a JSON Lines record is one), document
 * {@code i} ending at {@code docEnds[i]}. Pre-tokenization never crosses a document's end.
 */
record Chunk(long index, byte[] data, int length, int[] docEnds, int docCount) {}
