package dev.cortado.tokenizer.tiktoken;

import dev.cortado.TestFiles;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.TokenizerData;
import dev.cortado.tokenizer.TokenizerFiles;
import dev.cortado.tokenizer.bpe.ByteLevelBpe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** tiktoken encodings written as tokenizer.json encode the same in the Hugging Face pipeline; ranks round-trip. */
class TiktokenExportTest {
    @TempDir
    Path tmp;

    private static List<String> texts() throws Exception {
        List<String> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(TestFiles.sharedFile("corpus/war-and-peace.txt"));
        for (int i = 0; i < lines.size(); i += 97) out.add(lines.get(i));
        for (String csv : new String[] {"cl100k_base_encodings.csv", "o200k_base_encodings.csv"}) {
            List<String> rows = Files.readAllLines(TestFiles.sharedFile("tokenizers/tiktoken/" + csv));
            for (String r : rows.subList(1, rows.size())) out.add(r);
        }
        Random rnd = new Random(3);
        String[] bits = {"hello", " world", "  ", "\n\n", "1234567", "don't", "ÄÖÜ", "日本語", "🎉🎉", "\t", "e\u0301", "'S", "$x"};
        for (int i = 0; i < 300; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < 8; k++) sb.append(bits[rnd.nextInt(bits.length)]);
            out.add(sb.toString());
        }
        return out;
    }

    @Test
    void tokenizerJsonEncodesLikeTiktoken() throws Exception {
        List<String> texts = texts();
        for (String name : new String[] {"r50k_base", "cl100k_base", "o200k_base"}) {
            TiktokenTokenizer tk = Tiktoken.named(name);
            TokenizerData data = TiktokenExport.toData(tk);
            Path dir = tmp.resolve(name);
            TokenizerFiles.writeHuggingFace(data, dir);
            Tokenizer hf = ByteLevelBpe.fromHuggingFace(dir.resolve("tokenizer.json"));
            for (String t : texts) assertArrayEquals(tk.encodeOrdinary(t), hf.encodeOrdinary(t), name + ": " + t);
            assertArrayEquals(tk.encode("a<|endoftext|>b"), hf.encode("a<|endoftext|>b"), name);
        }
    }

    @Test
    void ranksRoundTrip() {
        TiktokenTokenizer tk = Tiktoken.named("cl100k_base");
        byte[][] ranks = TiktokenExport.ranksOf(TiktokenExport.toData(tk));
        byte[][] want = tk.ranksByteArrays();
        assertEquals(want.length, ranks.length);
        for (int r = 0; r < want.length; r++) assertArrayEquals(want[r], ranks[r], "rank " + r);
    }
}
