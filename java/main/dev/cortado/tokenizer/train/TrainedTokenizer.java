package dev.cortado.tokenizer.train;

import java.util.List;

/**
 * A trained byte-level BPE vocabulary: ids 0–255 are the bytes, id 256 + i is merge i, and the special
 * tokens follow the last merge.
 *
 * @param merges        merge i joins tokens {@code merges[i][0]} and {@code merges[i][1]}
 * @param tokenBytes    the bytes of every non-special token, by id
 * @param specialTokens the special tokens; special token k has id {@code tokenBytes.length + k}
 * @param pretokenizer  the pattern the pieces were split by
 */
public record TrainedTokenizer(int[][] merges, byte[][] tokenBytes, List<String> specialTokens, Pretokenizer pretokenizer) {
    public int vocabSize() {
        return tokenBytes.length + specialTokens.size();
    }

    public int specialId(int k) {
        return tokenBytes.length + k;
    }
}
