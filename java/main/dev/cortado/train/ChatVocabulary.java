package dev.cortado.train;

import dev.cortado.tokenizer.TokenizerData;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer a model trained from scratch carries: a trained vocabulary (which names no BOS,
 * EOS or template of its own) with ChatML's special tokens given their roles: the ChatML template,
 * {@code <|im_end|>} as EOS and end of turn, so that {@code cortado chat} stops there (as Qwen's
 * instruct models do), {@code <|endoftext|>} as padding. No BOS is added.
 */
public final class ChatVocabulary {
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";

    private ChatVocabulary() {}

    /**
     * {@code raw} with ChatML's three special tokens given their roles and {@code chatTemplate} (the
     * ChatML source) attached. Those of the three the vocabulary lacks (a .tiktoken file carries no
     * special tokens) are appended as control tokens, so the model's vocabulary grows by them.
     */
    public static TokenizerData of(TokenizerData raw, String chatTemplate) {
        List<String> tokens = new ArrayList<>(raw.tokens());
        int n = tokens.size();
        int[] types = new int[n + 3];
        for (int i = 0; i < n; i++) types[i] = raw.tokenType(i);
        float[] scores = raw.scores() == null ? null : Arrays.copyOf(raw.scores(), n + 3);
        Map<String, Integer> ids = raw.tokenIds();
        int[] special = new int[3];
        List<String> names = List.of(END_OF_TEXT, IM_START, IM_END);
        for (int k = 0; k < 3; k++) {
            Integer id = ids.get(names.get(k));
            if (id == null) {
                id = tokens.size();
                tokens.add(names.get(k));
            }
            types[id] = TokenizerData.CONTROL;
            special[k] = id;
        }
        types = Arrays.copyOf(types, tokens.size());
        if (scores != null) scores = Arrays.copyOf(scores, tokens.size());
        return new TokenizerData(raw.model(), raw.pre(), tokens, scores, types, raw.merges(),
                null, special[2], raw.unkId(), special[0], special[2], false, false, chatTemplate);
    }

    /** How many of ChatML's three special tokens {@link #of} appends to {@code raw}. */
    public static int missing(TokenizerData raw) {
        Map<String, Integer> ids = raw.tokenIds();
        int m = 0;
        for (String s : List.of(END_OF_TEXT, IM_START, IM_END)) if (!ids.containsKey(s)) m++;
        return m;
    }
}
