package dev.cortado.tokenizer.bpe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cortado.CortadoException;

import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Oniguruma-style regexes (what tokenizer.json carries, and llama.cpp's pre-tokenizer regexes) as
 * java.util.regex patterns. Both engines backtrack leftmost-first and share the syntax these files use
 * ({@code (?i:…)}, possessive {@code ?+ ++ *+}, lookahead); the differences handled here: {@code \s \d \w}
 * are Unicode-wide (UNICODE_CHARACTER_CLASS), {@code \p{Han}}-style script names need Java's "Is" prefix,
 * and Oniguruma's {@code \h} is a hex digit.
 */
final class Patterns {
    private Patterns() {}

    static Pattern compile(String onig) {
        return Pattern.compile(translate(onig), Pattern.UNICODE_CHARACTER_CLASS);
    }

    static String translate(String re) {
        StringBuilder out = new StringBuilder(re.length() + 16);
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c != '\\' || i + 1 >= re.length()) {
                out.append(c);
                continue;
            }
            char e = re.charAt(i + 1);
            if ((e == 'p' || e == 'P') && i + 2 < re.length() && re.charAt(i + 2) == '{') {
                int close = re.indexOf('}', i + 3);
                if (close > 0) {
                    String name = re.substring(i + 3, close);
                    boolean keep = name.startsWith("Is") || name.startsWith("In") || name.contains("=")
                            || name.startsWith("^");
                    out.append('\\').append(e).append('{').append(keep ? "" : "Is").append(name).append('}');
                    i = close;
                    continue;
                }
            }
            if (e == 'h') out.append("\\p{XDigit}");
            else if (e == 'H') out.append("\\P{XDigit}");
            else out.append(c).append(e);
            i++;
        }
        return out.toString();
    }

    /** A tokenizer.json pattern object: {"Regex": "…"} or {"String": "…"} (a literal). */
    static Pattern ofSplitPattern(JsonNode pattern, Path file, String what) {
        if (pattern != null && pattern.has("String") && pattern.get("String").isTextual())
            return Pattern.compile(Pattern.quote(pattern.get("String").asText()));
        if (pattern != null && pattern.has("Regex") && pattern.get("Regex").isTextual()) {
            String re = pattern.get("Regex").asText();
            try {
                return compile(re);
            } catch (PatternSyntaxException e) {
                throw CortadoException.inFile(file, what + " regex " + oneLine(re) + " does not compile: "
                        + oneLine(e.getDescription()));
            }
        }
        throw CortadoException.inFile(file, what + " has no \"Regex\" or \"String\" pattern");
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replace("\r", "\\r").replace("\n", "\\n");
    }
}
