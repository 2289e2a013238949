package dev.cortado.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites a Jinja2 template so Jinjava renders it as Jinja2 would.
 * <ul>
 * <li>Whitespace: Jinja2's lexer rules as Hugging Face configures them — {@code -} on a tag strips
 * all whitespace on that side, {@code lstrip_blocks} strips spaces and tabs before a block or
 * comment tag that starts its line ({@code {%+} keeps them), {@code trim_blocks} drops the first
 * newline after a block or comment tag ({@code +%}} keeps it), line ends become {@code \n} and one
 * trailing newline goes. The result carries no whitespace markers, so Jinjava (run with all of
 * its own whitespace handling off) prints text exactly as it stands; Jinjava's own trimming
 * differs from Jinja2's in many corners.</li>
 * <li>Slices: {@code x[a:b:c]} becomes {@code x.__slice__(a, b, c)}, answered by
 * {@link PythonMethods} with Python's rules — Jinjava has no step and takes only plain bounds.</li>
 * <li>Output: {@code {{ x }}} becomes {@code {{ cortado_str(x) }}}, printing values as Python's
 * {@code str} does ({@link PyStr}).</li>
 * <li>String literals: Python's {@code \\u}, {@code \\x} and {@code \\U} escapes become the characters.</li>
 * <li>Products: {@code a * b} becomes {@code cortado_mul(a, b)}, which also repeats strings and lists.</li>
 * <li>Keyword arguments: {@code f(n=a - 1)} becomes {@code f(n=(a - 1))}; Jinjava binds {@code =}
 * tighter than the operators.</li>
 * <li>Precedence: {@code not a == b} becomes {@code not (a == b)} and {@code a is none and b}
 * becomes {@code (a is none) and b} — Jinjava binds {@code not} tighter than comparisons and lets a
 * test swallow what follows; {@code a+1} becomes {@code a+ 1}, as Jinjava reads {@code +1} as one token.</li>
 * </ul>
 */
final class JinjaSource {
    private JinjaSource() {}

    /** Tags whose contents are not expressions to rewrite. */
    private static final Set<String> VERBATIM_TAGS = Set.of("macro", "call", "raw", "filter");

    /**
     * The rewritten source, and where its pieces came from: piece k starts at {@code starts[k]} in
     * the text and at {@code origins[k]} in the original, so errors can name the original line.
     */
    record Rewritten(String text, String original, int[] starts, int[] origins) {
        /** The original line of what Jinjava reports at {@code line} (from 1), column {@code column} (from 1). */
        int originalLine(int line, int column) {
            int offset = 0;
            for (int l = 1; l < line && offset >= 0; l++) offset = text.indexOf('\n', offset) + 1;
            if (offset < 0 || line < 1) return 1;
            offset = Math.min(text.length(), offset + Math.max(0, column - 1));
            int k = 0;
            while (k + 1 < starts.length && starts[k + 1] <= offset) k++;
            if (starts.length == 0) return 1;
            return lineOf(original, Math.min(original.length(), origins[k] + Math.max(0, offset - starts[k])));
        }
    }

    /** A template that cannot be lexed (an unclosed tag); the message names the original line. */
    static final class SyntaxError extends IllegalArgumentException {
        SyntaxError(String message) {
            super(message);
        }
    }

    /** The output, noting where each piece came from in the original. */
    private static final class Out {
        final StringBuilder text = new StringBuilder();
        final List<int[]> pieces = new ArrayList<>();

        /** Appends {@code s}, which stands for the original from offset {@code origin}. */
        void append(String s, int origin) {
            if (s.isEmpty()) return;
            pieces.add(new int[] {text.length(), origin});
            text.append(s);
        }

        boolean endsWith(char c) {
            return text.length() > 0 && text.charAt(text.length() - 1) == c;
        }

        Rewritten result(String original) {
            return new Rewritten(text.toString(), original,
                    pieces.stream().mapToInt(p -> p[0]).toArray(), pieces.stream().mapToInt(p -> p[1]).toArray());
        }
    }

    static int lineOf(String s, int pos) {
        int line = 1;
        for (int k = s.indexOf('\n'); k >= 0 && k < pos; k = s.indexOf('\n', k + 1)) line++;
        return line;
    }

    static Rewritten rewrite(String source) {
        String src = source.replace("\r\n", "\n").replace('\r', '\n');
        if (src.endsWith("\n")) src = src.substring(0, src.length() - 1);
        Out out = new Out();
        int i = 0;
        int n = src.length();
        boolean lineStarting = true;   // the previous token ended a line (Jinja2's line_starting)
        boolean stripNextText = false; // the previous tag ended with '-'
        boolean trimNextNewline = false;
        while (i < n) {
            int open = nextTagStart(src, i);
            String text = src.substring(i, open < 0 ? n : open);
            int textStart = i;
            if (stripNextText) {
                String rest = text.stripLeading();
                lineStarting = rest.length() < text.length() && text.charAt(text.length() - rest.length() - 1) == '\n';
                textStart += text.length() - rest.length();
                text = rest;
            } else if (trimNextNewline && text.startsWith("\n")) {
                text = text.substring(1);
                textStart++;
                lineStarting = true;
            }
            if (open < 0) {
                appendText(out, text, textStart);
                break;
            }
            char kind = src.charAt(open + 1); // '{', '%' or '#'
            char sign = open + 2 < n ? src.charAt(open + 2) : 0;
            if (sign == '-') {
                text = text.stripTrailing();
            } else if (sign != '+' && kind != '{') {
                int lineStart = text.lastIndexOf('\n') + 1;
                if ((lineStart > 0 || lineStarting)
                        && text.substring(lineStart).chars().allMatch(c -> c == ' ' || c == '\t')) {
                    text = text.substring(0, lineStart);
                }
            }
            appendText(out, text, textStart);
            int bodyStart = open + 2 + (sign == '-' || sign == '+' ? 1 : 0);
            int close = tagEnd(src, bodyStart, kind);
            if (close < 0) {
                throw new SyntaxError("line " + lineOf(src, open) + ": '" + src.substring(open, open + 2)
                        + "' is never closed");
            }
            int closeLen = 2;
            char endSign = src.charAt(close - 1);
            int bodyEnd = close;
            if ((endSign == '-' || endSign == '+') && close - 1 >= bodyStart) {
                bodyEnd = close - 1;
            } else {
                endSign = 0;
            }
            String body = src.substring(bodyStart, bodyEnd);
            if (kind == '#') {
                // comments vanish here; Jinjava need not see them
            } else if (kind == '{') {
                out.append("{{ cortado_str(" + Expressions.rewrite(body) + ") }}", bodyStart);
            } else {
                String tag = firstWord(body);
                if (tag.equals("raw")) {
                    int end = rawEnd(src, close + 2);
                    if (end < 0) throw new SyntaxError("line " + lineOf(src, open) + ": '{% raw %}' is never closed");
                    out.append("{%" + body + "%}", bodyStart);
                    out.append(src.substring(close + 2, end), close + 2);
                    i = end;
                    lineStarting = false;
                    stripNextText = false;
                    trimNextNewline = false;
                    continue;
                }
                out.append("{%" + (VERBATIM_TAGS.contains(tag) ? body : Expressions.rewrite(body)) + "%}", bodyStart);
            }
            i = close + closeLen;
            stripNextText = endSign == '-';
            trimNextNewline = kind != '{' && endSign != '+';
            lineStarting = false;
        }
        return out.result(src);
    }

    /**
     * Text as Jinjava reads it the same: once whitespace control has joined text to a tag, a
     * {@code {} just before a tag or a {@code }} just after one would fuse with the tag's braces
     * ({@code {{%}, {@code }}}}), so such braces are printed by an expression instead.
     */
    private static void appendText(Out out, String text, int origin) {
        if (text.isEmpty()) return;
        int b = 0, e = text.length();
        if (out.endsWith('}') && text.charAt(0) == '}') {
            out.append("{{ '}' }}", origin);
            b = 1;
        }
        boolean openBrace = e > b && text.charAt(e - 1) == '{';
        if (openBrace) e--;
        out.append(text.substring(b, e), origin + b);
        if (openBrace) out.append("{{ '{' }}", origin + e);
    }

    private static int nextTagStart(String s, int from) {
        for (int i = s.indexOf('{', from); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
            char c = s.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return -1;
    }

    /** Index of the closing {@code }}}, {@code %}} or {@code #}} (its first character), or -1. */
    private static int tagEnd(String s, int from, char kind) {
        if (kind == '#') {
            int e = s.indexOf("#}", from);
            return e;
        }
        char closer = kind == '{' ? '}' : '%';
        int depth = 0;
        char quote = 0;
        for (int i = from; i + 1 < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (depth == 0 && c == closer && s.charAt(i + 1) == '}') {
                return i;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth = Math.max(0, depth - 1);
            }
        }
        return -1;
    }

    private static final Pattern ENDRAW = Pattern.compile("\\{%[-+]?\\s*endraw\\s*[-+]?%}");

    private static int rawEnd(String s, int from) {
        Matcher m = ENDRAW.matcher(s);
        return m.find(from) ? m.start() : -1;
    }

    private static String firstWord(String body) {
        String t = body.strip();
        int e = 0;
        while (e < t.length() && (Character.isLetterOrDigit(t.charAt(e)) || t.charAt(e) == '_')) e++;
        return t.substring(0, e);
    }

    /** The expression rewrites, bracket by bracket. */
    static final class Expressions {
        private Expressions() {}

        static String rewrite(String e) {
            StringBuilder out = new StringBuilder(e.length() + 16);
            int i = 0, n = e.length();
            while (i < n) {
                char c = e.charAt(i);
                int product = operandStart(e, i, out) ? multiplication(e, i) : -1;
                if (product > i) {
                    i = multiply(e, i, product, out);
                } else if (c == '\'' || c == '"') {
                    int end = stringEnd(e, i);
                    out.append(unicodeEscapes(e.substring(i, end)));
                    i = end;
                } else if (c == '(' || c == '[' || c == '{') {
                    int close = matching(e, i);
                    if (close < 0) {
                        out.append(e, i, n);
                        break;
                    }
                    String inner = e.substring(i + 1, close);
                    boolean afterPrimary = afterPrimary(out);
                    List<String> slice = c == '[' && afterPrimary ? splitTop(inner, ':') : List.of();
                    if (slice.size() >= 2 && slice.size() <= 3) {
                        out.append(".__slice__(");
                        for (int k = 0; k < 3; k++) {
                            String part = k < slice.size() ? slice.get(k).strip() : "";
                            if (k > 0) out.append(", ");
                            out.append(part.isEmpty() ? "none" : "(" + rewrite(part) + ")");
                        }
                        out.append(')');
                    } else if (c == '(' && afterPrimary) {
                        out.append('(').append(keywordArguments(inner)).append(')');
                    } else {
                        out.append(c).append(rewrite(inner)).append(e.charAt(close));
                    }
                    i = close + 1;
                } else if (identifierStart(e, i) && word(e, i, "not") && !word(e, skipSpaces(e, i + 3), "in")) {
                    int end = notEnd(e, i + 3);
                    out.append("not (").append(rewrite(e.substring(i + 3, end).strip())).append(')');
                    i = end;
                } else if (identifierStart(e, i)) {
                    int end = operandEnd(e, i);
                    int is = skipSpaces(e, end);
                    if (word(e, is, "is") && !word(e, i, "not")) {
                        int test = skipSpaces(e, is + 2);
                        boolean negated = word(e, test, "not");
                        if (negated) test = skipSpaces(e, test + 3);
                        int testEnd = test;
                        while (testEnd < n && identifierChar(e.charAt(testEnd))) testEnd++;
                        String name = e.substring(test, testEnd);
                        if (TESTS_WITH_ARGUMENT.contains(name)) testEnd = operandEnd(e, skipSpaces(e, testEnd));
                        out.append('(').append(rewrite(e.substring(i, end))).append(" is ")
                                .append(negated ? "not " : "").append(rewrite(e.substring(test, testEnd))).append(')');
                        i = testEnd;
                    } else {
                        int w = i;
                        while (w < n && identifierChar(e.charAt(w))) w++;
                        out.append(e, i, w);
                        i = w;
                    }
                } else if (c == '+' && i + 1 < n && !Character.isWhitespace(e.charAt(i + 1))) {
                    out.append("+ "); // Jinjava reads "+1" as one token
                    i++;
                } else {
                    out.append(c);
                    i++;
                }
            }
            return out.toString();
        }

        private static final Pattern PY_ESCAPE = Pattern.compile("\\\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|U([0-9a-fA-F]{8}))");

        /**
         * A string literal with Python's {@code \\uXXXX}, {@code \\xXX} and {@code \\UXXXXXXXX}
         * escapes written out as the characters (Jinjava's lexer refuses them).
         */
        static String unicodeEscapes(String literal) {
            if (literal.indexOf('\\') < 0) return literal;
            char quote = literal.charAt(0);
            StringBuilder out = new StringBuilder();
            int k = 0;
            while (k < literal.length()) {
                char c = literal.charAt(k);
                if (c == '\\' && k + 1 < literal.length()) {
                    Matcher m = PY_ESCAPE.matcher(literal).region(k, literal.length());
                    if (m.lookingAt()) {
                        String hex = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
                        int cp = Integer.parseInt(hex, 16);
                        if (cp == quote || cp == '\\') out.append('\\').append((char) cp);
                        else if (Character.isValidCodePoint(cp)) out.appendCodePoint(cp);
                        k = m.end();
                        continue;
                    }
                    out.append(c).append(literal.charAt(k + 1));
                    k += 2;
                    continue;
                }
                out.append(c);
                k++;
            }
            return out.toString();
        }

        /** {@code name=value} arguments get their value parenthesised. */
        private static String keywordArguments(String inner) {
            List<String> args = splitTop(inner, ',');
            StringBuilder out = new StringBuilder();
            for (int k = 0; k < args.size(); k++) {
                if (k > 0) out.append(',');
                String a = args.get(k);
                Matcher m = KEYWORD.matcher(a);
                if (m.lookingAt() && !a.substring(m.end()).isBlank()) {
                    out.append(m.group()).append('(').append(rewrite(a.substring(m.end()))).append(')');
                } else {
                    out.append(rewrite(a));
                }
            }
            return out.toString();
        }

        private static final Pattern KEYWORD = Pattern.compile("\\s*[A-Za-z_][A-Za-z0-9_]*\\s*=(?!=)");

        /** The parts of {@code s} between top-level {@code sep}s (outside brackets and strings). */
        static List<String> splitTop(String s, char sep) {
            List<String> parts = new ArrayList<>();
            int depth = 0, start = 0;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\'' || c == '"') {
                    i = stringEnd(s, i) - 1;
                } else if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if (c == ')' || c == ']' || c == '}') {
                    depth--;
                } else if (c == sep && depth == 0) {
                    parts.add(s.substring(start, i));
                    start = i + 1;
                }
            }
            parts.add(s.substring(start));
            return parts;
        }

        private static int stringEnd(String s, int open) {
            char q = s.charAt(open);
            for (int i = open + 1; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\') i++;
                else if (c == q) return i + 1;
            }
            return s.length();
        }

        private static int matching(String s, int open) {
            int depth = 0;
            for (int i = open; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\'' || c == '"') {
                    i = stringEnd(s, i) - 1;
                } else if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if (c == ')' || c == ']' || c == '}') {
                    if (--depth == 0) return i;
                }
            }
            return -1;
        }

        /** Whether what precedes (ignoring spaces) ends an operand: a name, a call, a subscript, a string. */
        private static boolean afterPrimary(StringBuilder out) {
            int k = out.length() - 1;
            while (k >= 0 && Character.isWhitespace(out.charAt(k))) k--;
            if (k < 0) return false;
            char c = out.charAt(k);
            if (c == ')' || c == ']' || c == '\'' || c == '"') return true;
            if (!identifierChar(c)) return false;
            int start = k;
            while (start > 0 && identifierChar(out.charAt(start - 1))) start--;
            String w = out.substring(start, k + 1);
            return !Set.of("in", "not", "and", "or", "if", "else", "is", "return").contains(w);
        }

        private static final Set<String> KEYWORDS = Set.of("not", "and", "or", "in", "is", "if", "else", "recursive");

        /** Whether an operand (a name, a literal, a parenthesised group) starts at {@code i}. */
        private static boolean operandStart(String e, int i, StringBuilder out) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') return true;
            if (c == '(' || c == '[') return !afterPrimary(out);
            if (Character.isDigit(c)) return i == 0 || !identifierChar(e.charAt(i - 1)) && e.charAt(i - 1) != '.';
            if (!identifierStart(e, i)) return false;
            int w = i;
            while (w < e.length() && identifierChar(e.charAt(w))) w++;
            return !KEYWORDS.contains(e.substring(i, w));
        }

        /** If the operand at {@code i} is multiplied ({@code a * b}, not {@code a ** b}), where the product ends; else -1. */
        private static int multiplication(String e, int i) {
            int end = operandEnd(e, i);
            int star = skipSpaces(e, end);
            return end > i && isTimes(e, star) ? end : -1;
        }

        private static boolean isTimes(String e, int k) {
            return k < e.length() && e.charAt(k) == '*' && (k + 1 >= e.length() || e.charAt(k + 1) != '*');
        }

        /**
         * {@code a * b * c} as {@code cortado_mul(cortado_mul(a, b), c)}: Jinjava's {@code *} only
         * multiplies numbers, templates also repeat strings ({@code "    " * depth}).
         */
        private static int multiply(String e, int start, int firstEnd, StringBuilder out) {
            String product = rewrite(e.substring(start, firstEnd));
            int k = skipSpaces(e, firstEnd);
            int end = firstEnd;
            while (isTimes(e, k)) {
                int rs = skipSpaces(e, k + 1);
                int re = operandEnd(e, rs);
                if (re == rs) break;
                product = "cortado_mul(" + product + ", " + rewrite(e.substring(rs, re)) + ")";
                end = re;
                k = skipSpaces(e, re);
            }
            out.append(product);
            return end;
        }

        /** Where the operand of {@code not} ends: at the next {@code and}, {@code or}, {@code if}, {@code else} or comma at this level. */
        private static int notEnd(String s, int i) {
            int n = s.length();
            while (i < n) {
                char c = s.charAt(i);
                if (c == '\'' || c == '"') {
                    i = stringEnd(s, i);
                } else if (c == '(' || c == '[' || c == '{') {
                    int close = matching(s, i);
                    if (close < 0) return n;
                    i = close + 1;
                } else if (c == ',') {
                    return i;
                } else if (identifierStart(s, i)) {
                    if (word(s, i, "and") || word(s, i, "or") || word(s, i, "if") || word(s, i, "else")) return i;
                    while (i < n && identifierChar(s.charAt(i))) i++;
                } else {
                    i++;
                }
            }
            return n;
        }

        /** Tests that take an argument ({@code x is divisibleby 3}). */
        private static final Set<String> TESTS_WITH_ARGUMENT = Set.of(
                "divisibleby", "equalto", "eq", "sameas", "ne", "lt", "le", "gt", "ge", "in");

        private static boolean identifierStart(String s, int i) {
            char c = s.charAt(i);
            return (Character.isLetter(c) || c == '_') && (i == 0 || !identifierChar(s.charAt(i - 1)) && s.charAt(i - 1) != '.');
        }

        /**
         * End of the operand a Jinja2 test applies to, from a name: {@code a.b[c](d)} and then any
         * filters, {@code |f} or {@code |f(x)}; a quoted string or number also counts.
         */
        private static int operandEnd(String s, int i) {
            int n = s.length();
            if (i >= n) return i;
            char first = s.charAt(i);
            if (first == '\'' || first == '"') {
                i = stringEnd(s, i);
            } else if (first == '(' || first == '[') {
                int close = matching(s, i);
                if (close < 0) return n;
                i = close + 1;
            } else if (Character.isDigit(first) || first == '-' && i + 1 < n && Character.isDigit(s.charAt(i + 1))) {
                i++;
                while (i < n && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
            } else if (!(Character.isLetter(first) || first == '_')) {
                return i;
            }
            while (i < n) {
                char c = s.charAt(i);
                if (identifierChar(c) || c == '.') {
                    i++;
                } else if (c == '[' || c == '(') {
                    int close = matching(s, i);
                    if (close < 0) return n;
                    i = close + 1;
                } else {
                    int pipe = skipSpaces(s, i);
                    if (pipe < n && s.charAt(pipe) == '|' && (pipe + 1 >= n || s.charAt(pipe + 1) != '|')) {
                        int f = skipSpaces(s, pipe + 1);
                        if (f >= n || !(Character.isLetter(s.charAt(f)) || s.charAt(f) == '_')) break;
                        i = f;
                    } else {
                        break;
                    }
                }
            }
            return i;
        }

        private static boolean word(String s, int i, String w) {
            return s.startsWith(w, i) && (i + w.length() == s.length() || !identifierChar(s.charAt(i + w.length())));
        }

        private static int skipSpaces(String s, int i) {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
            return i;
        }

        private static boolean identifierChar(char c) {
            return Character.isLetterOrDigit(c) || c == '_';
        }
    }
}
