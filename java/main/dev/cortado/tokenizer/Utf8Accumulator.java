package dev.cortado.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bytes in, text out, for streaming decoders: emits every complete UTF-8 sequence at once and holds
 * back an incomplete one at the end until more bytes come; invalid bytes become U+FFFD.
 */
public final class Utf8Accumulator {
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    /** Adds bytes; returns the text they complete. */
    public String add(byte[] bytes) {
        pending.writeBytes(bytes);
        byte[] all = pending.toByteArray();
        int complete = completePrefix(all);
        pending.reset();
        pending.write(all, complete, all.length - complete);
        return decode(all, 0, complete);
    }

    /** Everything held back, with an incomplete tail as U+FFFD. */
    public String finish() {
        byte[] all = pending.toByteArray();
        pending.reset();
        return decode(all, 0, all.length);
    }

    /** Decodes with replacement (for whole sequences). */
    public static String decode(byte[] b, int off, int len) {
        if (len == 0) return "";
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        CharBuffer out = CharBuffer.allocate(len + 1);
        ByteBuffer in = ByteBuffer.wrap(b, off, len);
        CoderResult r = d.decode(in, out, true);
        if (r.isOverflow()) throw new IllegalStateException("UTF-8 decode overflow");
        d.flush(out);
        out.flip();
        return out.toString();
    }

    /** Length of the prefix that does not end inside a (so far valid) multi-byte sequence. */
    static int completePrefix(byte[] b) {
        int n = b.length;
        // look back at most 3 bytes for the start of the last sequence
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xff;
            if ((c & 0xc0) == 0x80) continue;  // continuation byte: keep looking
            int need = c >= 0xf0 && c < 0xf8 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }

}
