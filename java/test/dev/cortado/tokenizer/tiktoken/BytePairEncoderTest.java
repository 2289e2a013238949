package dev.cortado.tokenizer.tiktoken;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The three merge methods (small arrays, heap, bucket queue) give the same ids on the same bytes. */
class BytePairEncoderTest {
    @Test
    void mergeMethodsAgree() throws Exception {
        for (String name : new String[] {"cl100k_base", "o200k_base"}) {
            var f = TiktokenTokenizer.class.getDeclaredField("ranks");
            f.setAccessible(true);
            RankTable ranks = (RankTable) f.get(Tiktoken.named(name));
            int[] byteRanks = new int[256];
            int longest = 0;
            for (int v = 0; v < 256; v++) byteRanks[v] = ranks.rank(new byte[] {(byte) v}, 0, 1);
            for (int r = 0; r < ranks.limit(); r++) if (ranks.bytes(r) != null) longest = Math.max(longest, ranks.bytes(r).length);
            Random rnd = new Random(11);
            for (int round = 0; round < 300; round++) {
                String text = round % 2 == 0 ? RandomText.of(rnd, 1 + rnd.nextInt(25)) : RandomText.codePoints(rnd, 1 + rnd.nextInt(30));
                byte[] b = text.replaceAll("\\p{Cs}", "x").getBytes(StandardCharsets.UTF_8);
                if (b.length > BytePairEncoder.SMALL) b = Arrays.copyOf(b, BytePairEncoder.SMALL);
                if (b.length == 0) continue;
                int[][] got = new int[3][];
                for (int m = 0; m < 3; m++) {
                    IdList out = new IdList(16, false);
                    new BytePairEncoder(ranks, byteRanks, longest).encodeWith(m, b, 0, b.length, out);
                    got[m] = out.toArray();
                }
                assertArrayEquals(got[0], got[1], name + " " + text);
                assertArrayEquals(got[0], got[2], name + " " + text);
            }
        }
    }

    /** Long pieces (random letters, one repeated letter, mixed scripts): the heap and the buckets agree. */
    @Test
    void heapAndBucketsAgreeOnLongPieces() throws Exception {
        for (String name : new String[] {"cl100k_base", "o200k_base"}) {
            var f = TiktokenTokenizer.class.getDeclaredField("ranks");
            f.setAccessible(true);
            RankTable ranks = (RankTable) f.get(Tiktoken.named(name));
            int[] byteRanks = new int[256];
            int longest = 0;
            for (int v = 0; v < 256; v++) byteRanks[v] = ranks.rank(new byte[] {(byte) v}, 0, 1);
            for (int r = 0; r < ranks.limit(); r++) if (ranks.bytes(r) != null) longest = Math.max(longest, ranks.bytes(r).length);
            Random rnd = new Random(5);
            StringBuilder letters = new StringBuilder(), mixed = new StringBuilder();
            while (letters.length() < 40_000) letters.append((char) ('a' + rnd.nextInt(26)));
            while (mixed.length() < 40_000) mixed.append(RandomText.codePoints(rnd, 20).replaceAll("\\p{Cs}", "x"));
            for (String text : new String[] {letters.toString(), "a".repeat(40_000), "ab".repeat(20_000), mixed.toString()}) {
                byte[] b = Arrays.copyOf(text.getBytes(StandardCharsets.UTF_8), text.getBytes(StandardCharsets.UTF_8).length + Utf8.PAD);
                int n = b.length - Utf8.PAD;
                IdList heap = new IdList(16, false), buckets = new IdList(16, false);
                new BytePairEncoder(ranks, byteRanks, longest).encodeWith(1, b, 0, n, heap);
                new BytePairEncoder(ranks, byteRanks, longest).encodeWith(2, b, 0, n, buckets);
                assertArrayEquals(heap.toArray(), buckets.toArray(), name + " " + text.substring(0, 20));
            }
        }
    }
}
