package dev.cortado.tokenizer.train;

/**
 * GPT-2's byte → unicode map, which byte-level BPE files (tokenizer.json) use to spell token bytes
 * as printable characters: printable Latin-1 bytes stand for themselves, the other 68 bytes map in
 * order to U+0100 onwards (space → "Ġ", newline → "Ċ").
 */
public final class ByteLevel {
    private ByteLevel() {}

    private static final char[] BYTE_TO_CHAR = new char[256];
    static {
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
        }
    }

    /** The token text of {@code bytes}. */
    public static String encode(byte[] bytes) {
        char[] c = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) c[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(c);
    }

    /** The bytes of a token text, or null if it has a character outside the map. */
    public static byte[] decode(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            int b = indexOf(token.charAt(i));
            if (b < 0) return null;
            out[i] = (byte) b;
        }
        return out;
    }

    private static int indexOf(char c) {
        if (c < 256 && BYTE_TO_CHAR[c] == c) return c;
        for (int b = 0; b < 256; b++) if (BYTE_TO_CHAR[b] == c) return b;
        return -1;
    }
}
