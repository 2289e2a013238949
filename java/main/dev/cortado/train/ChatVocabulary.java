package dev.cortado.train;

import dev.cortado.CortadoException;
import dev.cortado.tokenizer.TokenizerData;

import java.util.Map;

/**
 * The tokenizer a model trained from scratch carries: a trained vocabulary (which names no BOS,
 * EOS or template of its own) given the roles of its special tokens. With ChatML's markers
 * ({@code <|im_start|>}, {@code <|im_end|>}) it gets the ChatML template and {@code <|im_end|>} as
 * EOS and end of turn, so that {@code cortado chat} stops there, as Qwen's instruct models do;
 * {@code <|endoftext|>} separates documents and pads. No BOS is added.
 */
public final class ChatVocabulary {
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";

    private ChatVocabulary() {}

    /**
     * {@code raw} with its special tokens' roles set. {@code chatTemplate} (the ChatML source) is
     * attached when the vocabulary has ChatML's markers; without them the model is a base model with
     * {@code <|endoftext|>} as EOS. {@code file} names the tokenizer in the error when it has neither.
     */
    public static TokenizerData of(TokenizerData raw, String chatTemplate, Object file) {
        Map<String, Integer> ids = raw.tokenIds();
        Integer eot = special(raw, ids, END_OF_TEXT);
        Integer start = special(raw, ids, IM_START);
        Integer end = special(raw, ids, IM_END);
        boolean chat = start != null && end != null;
        if (!chat && eot == null) {
            throw CortadoException.inFile(file, "the tokenizer has neither " + END_OF_TEXT + " nor ChatML's " + IM_START + " and "
                    + IM_END + " as special tokens (train it with --special-tokens '" + END_OF_TEXT + "," + IM_START + "," + IM_END + "')");
        }
        Integer eos = chat ? end : eot;
        return new TokenizerData(raw.model(), raw.pre(), raw.tokens(), raw.scores(), raw.tokenTypes(), raw.merges(),
                null, eos, raw.unkId(), eot != null ? eot : eos, chat ? end : null, false, false,
                chat ? chatTemplate : null);
    }

    /** Whether the tokenizer carries ChatML's markers (and so the model will get a chat template). */
    public static boolean hasChatMarkers(TokenizerData t) {
        Map<String, Integer> ids = t.tokenIds();
        return special(t, ids, IM_START) != null && special(t, ids, IM_END) != null;
    }

    /** The id of {@code text} when the vocabulary holds it as a control (special) token. */
    private static Integer special(TokenizerData t, Map<String, Integer> ids, String text) {
        Integer id = ids.get(text);
        if (id == null) return null;
        int type = t.tokenType(id);
        return type == TokenizerData.CONTROL || type == TokenizerData.USER_DEFINED ? id : null;
    }
}
