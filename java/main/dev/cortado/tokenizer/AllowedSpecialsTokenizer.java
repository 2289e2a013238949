package dev.cortado.tokenizer;

import java.util.Set;

/**
 * A tokenizer whose every encoding is one method, {@link #encodeWithOffsets(String, Set)}, told
 * which special tokens to recognise: {@link #encode(String)} allows all of {@link #specialTokens()},
 * {@link #encodeOrdinary(String)} none. WordPiece and SentencePiece-style BPE split their input this way.
 */
public interface AllowedSpecialsTokenizer extends Tokenizer {
    /** Ids with offsets, recognising only the special tokens in {@code allowedSpecial}. */
    Encoding encodeWithOffsets(String text, Set<String> allowedSpecial);

    @Override
    default int[] encode(String text) {
        return encodeWithOffsets(text, specialTokens().keySet()).ids();
    }

    @Override
    default int[] encodeOrdinary(String text) {
        return encodeWithOffsets(text, Set.of()).ids();
    }

    @Override
    default int[] encode(String text, Set<String> allowedSpecial) {
        return encodeWithOffsets(text, allowedSpecial).ids();
    }

    @Override
    default Encoding encodeWithOffsets(String text) {
        return encodeWithOffsets(text, specialTokens().keySet());
    }
}
