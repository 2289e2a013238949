package dev.cortado.tokenizer.train;

import dev.cortado.CortadoException;
import dev.cortado.tokenizer.PreTokenizers;
import dev.cortado.tokenizer.tiktoken.TiktokenPattern;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The pre-tokenization patterns {@code --pattern} knows by name: gpt2, llama3 (from
 * {@link PreTokenizers}), and tiktoken's cl100k_base and o200k_base. Anything else is taken as a
 * regex. Patterns are compiled with {@link Pattern#UNICODE_CHARACTER_CLASS} so that {@code \s} means
 * Unicode white space, as in the Rust and Oniguruma engines of tiktoken and Hugging Face.
 */
public final class Patterns {
    private Patterns() {}

    /** tiktoken's cl100k_base split pattern. */
    public static final String CL100K =
            "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+|\\s++$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s";
    /** tiktoken's o200k_base split pattern. */
    public static final String O200K = String.join("|",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "\\p{N}{1,3}",
            " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
            "\\s*[\\r\\n]+",
            "\\s+(?!\\S)",
            "\\s+");

    /** The pre-tokenizer for a {@code --pattern} value: a known name or a regex. */
    public static Pretokenizer forName(String nameOrRegex) {
        return switch (nameOrRegex) {
            case "gpt2" -> new RegexPretokenizer(PreTokenizers.GPT2, null, TiktokenPattern.R50K::nextPiece);
            case "llama3" -> new RegexPretokenizer(PreTokenizers.LLAMA3, PreTokenizers.LLAMA3, TiktokenPattern.CL100K::nextPiece);
            case "cl100k" -> new RegexPretokenizer(CL100K, CL100K, TiktokenPattern.CL100K::nextPieceWholeTrailingSpace);
            case "o200k" -> new RegexPretokenizer(O200K, O200K, TiktokenPattern.O200K::nextPiece);
            default -> {
                try {
                    Pattern.compile(nameOrRegex, Pattern.UNICODE_CHARACTER_CLASS);
                } catch (PatternSyntaxException e) {
                    throw new CortadoException("--pattern: not gpt2, cl100k, o200k, llama3 or a valid regex: "
                            + e.getDescription() + " near index " + e.getIndex());
                }
                yield new RegexPretokenizer(nameOrRegex, nameOrRegex);
            }
        };
    }
}
