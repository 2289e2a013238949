package dev.cortado.tokenizer.bpe;

import dev.cortado.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntFunction;

/** Streaming decoding: token bytes in, text out as soon as its UTF-8 is complete; bad bytes become U+FFFD. */
final class Utf8Stream implements Tokenizer.StreamingDecoder {
    private final IntFunction<byte[]> bytesOf;
    private byte[] held = new byte[0];

    Utf8Stream(IntFunction<byte[]> bytesOf) {
        this.bytesOf = bytesOf;
    }

    @Override
    public String feed(int id) {
        byte[] b = bytesOf.apply(id);
        byte[] all = Arrays.copyOf(held, held.length + b.length);
        System.arraycopy(b, 0, all, held.length, b.length);
        int cut = completePrefix(all);
        held = Arrays.copyOfRange(all, cut, all.length);
        return new String(all, 0, cut, StandardCharsets.UTF_8);
    }

    @Override
    public String finish() {
        String s = new String(held, StandardCharsets.UTF_8);
        held = new byte[0];
        return s;
    }

    /** Length of the prefix that does not end inside a sequence that may still be completed. */
    static int completePrefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int lead = b[n - back] & 0xFF;
            if ((lead & 0xC0) == 0x80) continue;  // continuation byte: look further back
            int need = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 && lead < 0xE0 ? 2 : 1;
            if (lead >= 0xF5) need = 1;
            return back < need ? n - back : n;
        }
        return n;
    }
}
