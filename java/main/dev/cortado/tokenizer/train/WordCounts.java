package dev.cortado.tokenizer.train;

/**
 * What counting the corpus found: the distinct training pieces with their counts, the held-out
 * pieces (for measuring compression), and the numbers the summary reports.
 *
 * @param words             training pieces → counts, in a deterministic order
 * @param heldOut           held-out pieces → counts
 * @param trainingBytes     bytes of text counted for training
 * @param heldOutBytes      bytes of text held out
 * @param pieces            pieces counted for training (with repetition)
 * @param invalidUtf8Bytes  bytes that were not valid UTF-8 (kept as single-byte pieces)
 * @param documents         documents read (files' texts, JSON Lines records)
 * @param prunedWords       distinct pieces dropped to stay within the memory budget
 * @param prunedOccurrences their occurrences
 * @param pruneMinCount     the count below which pieces were dropped (0 if none were)
 */
record WordCounts(WordTable words, WordTable heldOut, long trainingBytes, long heldOutBytes, long pieces,
                  long invalidUtf8Bytes, long documents, long prunedWords, long prunedOccurrences, long pruneMinCount) {}
