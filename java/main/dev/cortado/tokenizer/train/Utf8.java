package dev.cortado.tokenizer.train;

/** UTF-8 helpers for the counter: validation that finds invalid bytes, and encoding char ranges. */
final class Utf8 {
    private Utf8() {}

    /**
     * The length of the valid UTF-8 sequence starting at {@code b[i]} (1–4), or 0 if the byte at
     * {@code i} does not start one (a stray continuation byte, an overlong form, a surrogate, a code
     * point over U+10FFFF, or a sequence cut short by {@code end}).
     */
    static int sequenceLength(byte[] b, int i, int end) {
        int c = b[i] & 0xFF;
        if (c < 0x80) return 1;
        if (c < 0xC2) return 0;
        if (c < 0xE0) return i + 1 < end && cont(b[i + 1]) ? 2 : 0;
        if (c < 0xF0) {
            if (i + 2 >= end || !cont(b[i + 1]) || !cont(b[i + 2])) return 0;
            int c1 = b[i + 1] & 0xFF;
            if (c == 0xE0 && c1 < 0xA0) return 0;  // overlong
            if (c == 0xED && c1 >= 0xA0) return 0;  // surrogate
            return 3;
        }
        if (c < 0xF5) {
            if (i + 3 >= end || !cont(b[i + 1]) || !cont(b[i + 2]) || !cont(b[i + 3])) return 0;
            int c1 = b[i + 1] & 0xFF;
            if (c == 0xF0 && c1 < 0x90) return 0;  // overlong
            if (c == 0xF4 && c1 >= 0x90) return 0;  // over U+10FFFF
            return 4;
        }
        return 0;
    }

    private static boolean cont(byte b) {
        return (b & 0xC0) == 0x80;
    }

    /** Encodes {@code s[start, end)} (well-formed UTF-16) into {@code out}, which must hold 3 bytes per char. */
    static int encode(CharSequence s, int start, int end, byte[] out) {
        int n = 0;
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[n++] = (byte) c;
            } else if (c < 0x800) {
                out[n++] = (byte) (0xC0 | c >> 6);
                out[n++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[n++] = (byte) (0xF0 | cp >> 18);
                out[n++] = (byte) (0x80 | cp >> 12 & 0x3F);
                out[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
                out[n++] = (byte) (0x80 | cp & 0x3F);
            } else {
                out[n++] = (byte) (0xE0 | c >> 12);
                out[n++] = (byte) (0x80 | c >> 6 & 0x3F);
                out[n++] = (byte) (0x80 | c & 0x3F);
            }
        }
        return n;
    }
}
