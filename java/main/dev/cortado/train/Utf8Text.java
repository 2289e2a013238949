package dev.cortado.train;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding that says where the first bad byte is (the JDK's decoders only say that one exists). */
final class Utf8Text {
    private Utf8Text() {}

    /** Thrown with the offset of the first byte that is not valid UTF-8. */
    static final class Invalid extends Exception {
        final int offset;

        Invalid(int offset) {
            super("invalid UTF-8 at byte " + offset, null, false, false);
            this.offset = offset;
        }
    }

    static String decode(byte[] bytes, int from, int length) throws Invalid {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, from, length);
        CharBuffer out = CharBuffer.allocate(length);  // UTF-8 never decodes to more chars than bytes
        CoderResult r = d.decode(in, out, true);
        if (r.isError()) throw new Invalid(in.position() - from);
        r = d.flush(out);
        if (r.isError()) throw new Invalid(in.position() - from);
        return out.flip().toString();
    }
}
