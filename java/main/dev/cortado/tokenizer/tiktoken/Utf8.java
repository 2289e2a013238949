package dev.cortado.tokenizer.tiktoken;

import java.nio.charset.StandardCharsets;

/**
 * UTF-8 helpers for the encoder, which works on the UTF-8 bytes of the whole text (as tiktoken works
 * on Rust's UTF-8 strings): the splitters read code points straight from those bytes.
 */
final class Utf8 {
    /** Zero bytes after the text so that 8-byte reads near the end stay inside the array. */
    static final int PAD = 8;

    private Utf8() {}

    /**
     * The UTF-8 bytes of {@code text} followed by {@link #PAD} zero bytes; lone surrogates become
     * U+FFFD (as tiktoken does), where Java's encoder would write '?'. Returns the array; its text
     * length is {@code array.length - PAD}.
     */
    static byte[] encode(String text) {
        String t = hasSurrogates(text) ? replaceLoneSurrogates(text) : text;
        byte[] b = t.getBytes(StandardCharsets.UTF_8);
        byte[] padded = new byte[b.length + PAD];
        System.arraycopy(b, 0, padded, 0, b.length);
        return padded;
    }

    private static boolean hasSurrogates(String s) {
        for (int i = 0, n = s.length(); i < n; i++) if (Character.isSurrogate(s.charAt(i))) return true;
        return false;
    }

    /** The same text with every unpaired surrogate replaced by U+FFFD (one char for one, so offsets hold). */
    static String replaceLoneSurrogates(String s) {
        char[] c = s.toCharArray();
        for (int i = 0; i < c.length; i++) {
            if (Character.isHighSurrogate(c[i]) && i + 1 < c.length && Character.isLowSurrogate(c[i + 1])) i++;
            else if (Character.isSurrogate(c[i])) c[i] = '\uFFFD';
        }
        return new String(c);
    }

    /** Byte length of the sequence that starts with lead byte {@code b0} (1 for a stray continuation byte). */
    static int seqLen(int b0) {
        if (b0 >= 0) return 1;
        int u = b0 & 0xFF;
        if (u >= 0xF0) return 4;
        if (u >= 0xE0) return 3;
        if (u >= 0xC0) return 2;
        return 1;
    }

    /** The code point at {@code i} of well-formed UTF-8 (as {@link #encode} produces). */
    static int cp(byte[] b, int i) {
        int b0 = b[i];
        if (b0 >= 0) return b0;
        int u = b0 & 0xFF;
        if (u < 0xE0) return ((u & 0x1F) << 6) | (b[i + 1] & 0x3F);
        if (u < 0xF0) return ((u & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
        return ((u & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F);
    }

    /**
     * How many bytes at the end of {@code b[0, n)} form a UTF-8 sequence that is valid so far but
     * incomplete (0–3): what a streaming decoder must hold back.
     */
    static int incompleteTail(byte[] b, int n) {
        for (int k = 1; k <= 3 && k <= n; k++) {
            int u = b[n - k] & 0xFF;
            if ((u & 0xC0) == 0x80) continue; // continuation byte: look further back
            int need = u >= 0xF8 ? 0 : u >= 0xF0 ? 4 : u >= 0xE0 ? 3 : u >= 0xC2 ? 2 : 0;
            if (need <= k) return 0;
            // the second byte of E0/ED/F0/F4 sequences has a narrower range; a bad one will never complete
            if (k >= 2 && !validSecond(u, b[n - k + 1] & 0xFF)) return 0;
            return k;
        }
        return 0;
    }

    private static boolean validSecond(int lead, int second) {
        return switch (lead) {
            case 0xE0 -> second >= 0xA0;
            case 0xED -> second < 0xA0;
            case 0xF0 -> second >= 0x90;
            case 0xF4 -> second < 0x90;
            default -> lead <= 0xF4;
        };
    }
}
