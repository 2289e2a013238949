package dev.cortado.tokenizer.bpe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cortado.CortadoException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One pre-tokenizer step: each piece in, its parts out (Hugging Face's pre_tokenizers, llama.cpp's regex splits). */
interface PreSplit {
    List<Piece> split(List<Piece> pieces);

    /** Hugging Face's SplitDelimiterBehavior: what happens to the matched parts. */
    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    static Behavior behavior(String name, Path file) {
        return switch (name == null ? "" : name) {
            case "Removed" -> Behavior.REMOVED;
            case "Isolated" -> Behavior.ISOLATED;
            case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> Behavior.CONTIGUOUS;
            default -> throw CortadoException.inFile(file, "split behavior '" + name + "' is not known");
        };
    }

    /** Splits on a regex's matches. */
    static PreSplit regex(Pattern p, Behavior b, boolean invert) {
        return pieces -> {
            List<Piece> out = new ArrayList<>(pieces.size() * 2);
            for (Piece piece : pieces) {
                List<int[]> spans = new ArrayList<>();
                Matcher m = p.matcher(piece.text());
                while (m.find()) if (m.end() > m.start()) spans.add(new int[] {m.start(), m.end(), 1});
                apply(piece, spans, b, invert, out);
            }
            return out;
        };
    }

    /** Splits where each char satisfying {@code isMatch} is a match of its own (Digits, Punctuation). */
    static PreSplit chars(IntPredicate isMatch, Behavior b) {
        return pieces -> {
            List<Piece> out = new ArrayList<>(pieces.size() * 2);
            for (Piece piece : pieces) {
                List<int[]> spans = new ArrayList<>();
                String t = piece.text();
                for (int i = 0; i < t.length(); ) {
                    int cp = t.codePointAt(i), n = Character.charCount(cp);
                    if (isMatch.test(cp)) spans.add(new int[] {i, i + n, 1});
                    i += n;
                }
                apply(piece, spans, b, false, out);
            }
            return out;
        };
    }

    static PreSplit sequence(List<PreSplit> steps) {
        return pieces -> {
            for (PreSplit s : steps) pieces = s.split(pieces);
            return pieces;
        };
    }

    /**
     * Hugging Face's ByteLevel pre-tokenizer: a space before every piece not starting with one when
     * {@code addPrefixSpace}, then GPT-2's regex when {@code useRegex}. (The byte mapping itself is the model's.)
     */
    static PreSplit byteLevel(boolean addPrefixSpace, boolean useRegex) {
        PreSplit regex = useRegex ? regex(Patterns.compile(GPT2_REGEX), Behavior.ISOLATED, false) : null;
        return pieces -> {
            if (addPrefixSpace) {
                List<Piece> spaced = new ArrayList<>(pieces.size());
                for (Piece p : pieces)
                    spaced.add(p.text().startsWith(" ") ? p : new Piece(" " + p.text(), p.start(), p.prefix() + 1));
                pieces = spaced;
            }
            return regex == null ? pieces : regex.split(pieces);
        };
    }

    /** Matches [start, end) within {@code piece} → the parts the behaviour keeps, appended to {@code out}. */
    private static void apply(Piece piece, List<int[]> matches, Behavior b, boolean invert, List<Piece> out) {
        String t = piece.text();
        List<int[]> spans = new ArrayList<>(matches.size() * 2 + 1);  // {start, end, isMatch}
        int prev = 0;
        for (int[] m : matches) {
            if (m[0] > prev) spans.add(new int[] {prev, m[0], 0});
            spans.add(m);
            prev = m[1];
        }
        if (prev < t.length()) spans.add(new int[] {prev, t.length(), 0});
        if (invert) for (int[] s : spans) s[2] ^= 1;

        List<int[]> kept = new ArrayList<>(spans.size());
        switch (b) {
            case ISOLATED -> kept.addAll(spans);
            case REMOVED -> {
                for (int[] s : spans) if (s[2] == 0) kept.add(s);
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean prevMatch = false;
                for (int[] s : spans) {
                    if (s[2] == 1 && !prevMatch && !kept.isEmpty()) kept.get(kept.size() - 1)[1] = s[1];
                    else kept.add(new int[] {s[0], s[1], 0});
                    prevMatch = s[2] == 1;
                }
            }
            case MERGED_WITH_NEXT -> {
                boolean prevMatch = false;
                List<int[]> rev = new ArrayList<>();
                for (int i = spans.size() - 1; i >= 0; i--) {
                    int[] s = spans.get(i);
                    if (s[2] == 1 && !prevMatch && !rev.isEmpty()) rev.get(rev.size() - 1)[0] = s[0];
                    else rev.add(new int[] {s[0], s[1], 0});
                    prevMatch = s[2] == 1;
                }
                for (int i = rev.size() - 1; i >= 0; i--) kept.add(rev.get(i));
            }
            case CONTIGUOUS -> {
                boolean prevMatch = false;
                for (int[] s : spans) {
                    if ((s[2] == 1) == prevMatch && !kept.isEmpty()) kept.get(kept.size() - 1)[1] = s[1];
                    else kept.add(new int[] {s[0], s[1], 0});
                    prevMatch = s[2] == 1;
                }
            }
        }
        for (int[] s : kept) if (s[1] > s[0]) out.add(s[0] == 0 && s[1] == t.length() ? piece : piece.sub(s[0], s[1]));
    }

    /** The pre-tokenizer a tokenizer.json {@code pre_tokenizer} node describes; none for null. */
    static PreSplit fromJson(JsonNode n, Path file) {
        if (n == null || n.isNull()) return pieces -> pieces;
        String type = n.path("type").asText("");
        switch (type) {
            case "Sequence": {
                List<PreSplit> steps = new ArrayList<>();
                for (JsonNode c : n.path("pretokenizers")) steps.add(fromJson(c, file));
                return sequence(steps);
            }
            case "ByteLevel":
                return byteLevel(n.path("add_prefix_space").asBoolean(true), n.path("use_regex").asBoolean(true));
            case "Split":
                return regex(Patterns.ofSplitPattern(n.get("pattern"), file, "Split pre-tokenizer"),
                        behavior(n.path("behavior").asText(null), file), n.path("invert").asBoolean(false));
            case "Digits":
                return chars(cp -> Character.isDigit(cp) || Character.getType(cp) == Character.LETTER_NUMBER
                                || Character.getType(cp) == Character.OTHER_NUMBER,
                        n.path("individual_digits").asBoolean(false) ? Behavior.ISOLATED : Behavior.CONTIGUOUS);
            case "Punctuation":
                return chars(PreSplit::isPunctuation, behavior(n.path("behavior").asText("Isolated"), file));
            case "Whitespace":
                return regex(Patterns.compile("\\w+|[^\\w\\s]+"), Behavior.REMOVED, true);
            case "WhitespaceSplit":
                return regex(Patterns.compile("\\s+"), Behavior.REMOVED, false);
            default:
                throw CortadoException.inFile(file, "pre-tokenizer type '" + type + "' is not supported for byte-level BPE");
        }
    }

    private static boolean isPunctuation(int cp) {
        if (cp < 128) return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
        int t = Character.getType(cp);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION || t == Character.START_PUNCTUATION
                || t == Character.END_PUNCTUATION || t == Character.INITIAL_QUOTE_PUNCTUATION
                || t == Character.FINAL_QUOTE_PUNCTUATION || t == Character.OTHER_PUNCTUATION;
    }
}
