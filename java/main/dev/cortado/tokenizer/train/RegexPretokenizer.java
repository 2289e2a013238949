package dev.cortado.tokenizer.train;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link Pretokenizer} over java.util.regex: the pieces are the regex's successive matches; text
 * between matches (which the usual patterns never leave) is a piece of its own so no byte is lost.
 */
final class RegexPretokenizer implements Pretokenizer {
    private final Pattern pattern;
    private final String hfSplitRegex;
    private final ByteSplitter byteSplitter;

    RegexPretokenizer(String regex, String hfSplitRegex) {
        this(regex, hfSplitRegex, null);
    }

    /** With a byte scanner proven to split exactly like {@code regex} (see PretokenizerEquivalenceTest). */
    RegexPretokenizer(String regex, String hfSplitRegex, ByteSplitter byteSplitter) {
        this.pattern = Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        this.hfSplitRegex = hfSplitRegex;
        this.byteSplitter = byteSplitter;
    }

    @Override
    public ByteSplitter byteSplitter() {
        return byteSplitter;
    }

    @Override
    public Splitter newSplitter() {
        Matcher m = pattern.matcher("");
        return (text, sink) -> {
            m.reset(text);
            int last = 0;
            while (m.find()) {
                int s = m.start(), e = m.end();
                if (e == s) continue;
                if (s > last) sink.piece(text, last, s);
                sink.piece(text, s, e);
                last = e;
            }
            if (last < text.length()) sink.piece(text, last, text.length());
        };
    }

    @Override
    public String hfSplitRegex() {
        return hfSplitRegex;
    }

    @Override
    public String pattern() {
        return pattern.pattern();
    }
}
