package dev.cortado.tokenizer;

import dev.cortado.CortadoException;
import dev.cortado.tokenizer.spm.SentencePieceBpe;
import dev.cortado.tokenizer.wpm.WordPiece;

/** Makes a {@link Tokenizer} from the tokenizer data a model file carries. */
public final class Tokenizers {
    private Tokenizers() {}

    /** The tokenizer for {@code data}; a clear error for vocabulary kinds Cortado cannot encode yet. */
    public static Tokenizer of(TokenizerData data) {
        if (data == null) throw new CortadoException("the model carries no tokenizer (give one with --tokenizer)");
        return switch (data.model()) {
            case "llama" -> SentencePieceBpe.fromData(data);
            case "bert" -> WordPiece.fromData(data);
            default -> throw new CortadoException("tokenizer model '" + data.model() + "' is not supported yet");
        };
    }
}
