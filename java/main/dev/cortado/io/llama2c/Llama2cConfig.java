package dev.cortado.io.llama2c;

/**
 * The hyper-parameters in a llama2.c checkpoint header. {@code vocabSize} is always positive here;
 * {@code sharedClassifier} says whether the output classifier reuses the token embedding table.
 */
public record Llama2cConfig(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize, int seqLen,
                            boolean sharedClassifier) {
    /** Width of one attention head. */
    public int headSize() {
        return dim / nHeads;
    }

    /** Width of the key and value projections (grouped-query attention: fewer KV heads). */
    public int kvDim() {
        return nKvHeads * headSize();
    }
}
