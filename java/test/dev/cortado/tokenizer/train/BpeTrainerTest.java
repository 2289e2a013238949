package dev.cortado.tokenizer.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.CortadoException;
import dev.cortado.Progress;
import dev.cortado.TestFiles;
import dev.cortado.tokenizer.PreTokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer against a plain reference trainer, on Shakespeare, and on bad input. */
class BpeTrainerTest {
    @TempDir
    Path tmp;

    static final String TOY = """
            low low low low low lower lower newest newest newest newest newest newest widest widest widest
            aaaa aaa aa a banana bandana ananas — café café naïve 東京 東京 東京 😀😀 😀
            the cat sat on the mat; the mat sat on the cat! 1234567 12 123 it's we're they'll
            """;

    static TrainOptions toy(Path file, int vocab) {
        return TrainOptions.of(List.of(file), vocab).withHeldOut(0);
    }

    Path write(String name, String text) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    static int[][] merges(TrainOptions o) {
        return new BpeTrainer(o).train(Progress.NONE).tokenizer().merges();
    }

    @Test
    void mergesEqualTheReferenceTrainer() throws Exception {
        Path f = write("toy.txt", TOY.repeat(3) + TOY.replace("low", "slow"));
        String text = Files.readString(f);
        for (String pattern : List.of("gpt2", "llama3", "cl100k", "o200k")) {
            String regex = switch (pattern) {
                case "gpt2" -> PreTokenizers.GPT2;
                case "llama3" -> PreTokenizers.LLAMA3;
                case "cl100k" -> Patterns.CL100K;
                default -> Patterns.O200K;
            };
            List<int[]> ref = ReferenceBpe.train(ReferenceBpe.countWords(regex, text), 400);
            for (int threads : new int[] {1, 3}) {
                int[][] got = merges(toy(f, 256 + 400).withPattern(pattern).withThreads(threads));
                assertEquals(ref.size(), got.length, pattern + ": merge count");
                for (int i = 0; i < got.length; i++)
                    assertArrayEquals(ref.get(i), got[i], pattern + ": merge " + i);
            }
        }
    }

    @Test
    void minFrequencyAndMaxTokenLength() throws Exception {
        Path f = write("toy.txt", TOY.repeat(2));
        TrainedTokenizer t = new BpeTrainer(toy(f, 2000).withMinFrequency(4).withMaxTokenLength(3)).train(Progress.NONE).tokenizer();
        assertTrue(t.merges().length > 10 && t.merges().length < 2000 - 256, "merges: " + t.merges().length);
        for (byte[] b : t.tokenBytes()) assertTrue(b.length <= 3, "token of " + b.length + " bytes");
        assertEquals(256 + t.merges().length, t.vocabSize());
    }

    @Test
    void shakespeareRoundTripsEveryLine() throws Exception {
        Path corpus = TestFiles.sharedFile("corpus/tinyshakespeare.txt");
        List<String> lines = Files.readAllLines(corpus);
        for (int vocab : new int[] {2000, 8000}) {
            Path out = tmp.resolve("ts" + vocab);
            TrainOptions o = TrainOptions.of(List.of(corpus), vocab).withSpecialTokens(List.of("<|endoftext|>", "<|im_start|>"));
            BpeTrainer.Result r = new BpeTrainer(o).train(Progress.NONE);
            TrainedTokenizerWriter.commit(r.tokenizer(), r.summary(), TrainedTokenizerWriter.prepare(out), out);
            assertEquals(vocab, r.summary().vocabSize());
            assertTrue(r.summary().heldOutBytesPerToken() > (vocab == 2000 ? 2.5 : 3.0), "" + r.summary());
            checkStructure(out.resolve("tokenizer.json"), vocab, List.of("<|endoftext|>", "<|im_start|>"));
            checkTiktoken(out, r.tokenizer());
            ReferenceBpe.Encoder enc = new ReferenceBpe.Encoder(out.resolve("tokenizer.json"), PreTokenizers.GPT2);
            // Cortado's own encoder loads the written tokenizer.json and agrees with the reference
            dev.cortado.tokenizer.Tokenizer cortado = dev.cortado.tokenizer.bpe.ByteLevelBpe.fromHuggingFace(out.resolve("tokenizer.json"));
            long tokens = 0, bytes = 0;
            for (String line : lines) {
                List<Integer> ids = enc.encode(line + "\n");
                assertFalse(ids.contains(null), line);
                assertArrayEquals((line + "\n").getBytes(StandardCharsets.UTF_8), enc.decode(ids), line);
                int[] mine = cortado.encode(line + "\n");
                assertArrayEquals(ids.stream().mapToInt(Integer::intValue).toArray(), mine, line);
                assertEquals(line + "\n", cortado.decode(mine), line);
                tokens += ids.size();
                bytes += line.length() + 1;
            }
            assertTrue(bytes / (double) tokens > 2.5, "compression " + bytes / (double) tokens);
        }
    }

    /** The fields Hugging Face's loader reads, as in GPT-2's and Llama 3's files. */
    static void checkStructure(Path json, int vocab, List<String> specials) throws Exception {
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals("1.0", root.get("version").asText());
        for (String k : List.of("truncation", "padding", "normalizer")) assertTrue(root.get(k).isNull(), k);
        JsonNode added = root.get("added_tokens");
        assertEquals(specials.size(), added.size());
        for (int k = 0; k < specials.size(); k++) {
            JsonNode a = added.get(k);
            assertEquals(vocab - specials.size() + k, a.get("id").asInt());
            assertEquals(specials.get(k), a.get("content").asText());
            assertTrue(a.get("special").asBoolean());
            for (String f : List.of("single_word", "lstrip", "rstrip", "normalized")) assertFalse(a.get(f).asBoolean(), f);
        }
        JsonNode pre = root.get("pre_tokenizer");
        assertEquals("ByteLevel", pre.get("type").asText());
        assertFalse(pre.get("add_prefix_space").asBoolean());
        assertTrue(pre.get("use_regex").asBoolean());
        assertEquals("ByteLevel", root.get("post_processor").get("type").asText());
        assertEquals("ByteLevel", root.get("decoder").get("type").asText());
        JsonNode model = root.get("model");
        assertEquals("BPE", model.get("type").asText());
        assertFalse(model.get("byte_fallback").asBoolean());
        assertTrue(model.get("unk_token").isNull());
        JsonNode v = model.get("vocab");
        assertEquals(vocab - specials.size(), v.size());
        assertEquals(0, v.get("\u0100").asInt());   // byte 0
        assertEquals(32, v.get("\u0120").asInt());  // space, "Ġ"
        assertEquals(65, v.get("A").asInt());
        JsonNode merges = model.get("merges");
        assertEquals(vocab - specials.size() - 256, merges.size());
        for (int i = 0; i < merges.size(); i++) {
            String[] ab = merges.get(i).asText().split(" ");
            assertEquals(2, ab.length);
            assertTrue(v.get(ab[0]).asInt() < 256 + i && v.get(ab[1]).asInt() < 256 + i, "merge " + i + " uses later tokens");
            assertEquals(256 + i, v.get(ab[0] + ab[1]).asInt(), "merge " + i + " makes id " + (256 + i));
        }
    }

    static void checkTiktoken(Path dir, TrainedTokenizer t) throws Exception {
        List<String> lines = Files.readAllLines(dir.resolve("tokenizer.tiktoken"));
        assertEquals(t.tokenBytes().length, lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split(" ");
            assertEquals(i, Integer.parseInt(f[1]));
            assertArrayEquals(t.tokenBytes()[i], Base64.getDecoder().decode(f[0]));
        }
    }

    @Test
    void sameFilesWhateverTheThreadCount() throws Exception {
        Path corpus = TestFiles.sharedFile("corpus/tinyshakespeare.txt");
        List<byte[]> first = null;
        for (int threads : new int[] {1, 2, 5}) {
            Path out = tmp.resolve("t" + threads);
            TrainOptions o = TrainOptions.of(List.of(corpus), 1000).withThreads(threads).withPattern("cl100k");
            BpeTrainer.Result r = new BpeTrainer(o).train(Progress.NONE);
            TrainedTokenizerWriter.commit(r.tokenizer(), r.summary(), TrainedTokenizerWriter.prepare(out), out);
            List<byte[]> files = List.of(Files.readAllBytes(out.resolve("tokenizer.json")),
                    Files.readAllBytes(out.resolve("tokenizer.tiktoken")));
            if (first == null) first = files;
            else for (int i = 0; i < 2; i++) assertArrayEquals(first.get(i), files.get(i), "threads " + threads);
        }
    }

    @Test
    void gzipJsonlAndDirectoriesReadTheSameText() throws Exception {
        Files.createDirectories(tmp.resolve("d/sub"));
        String[] docs = TOY.split("\n");
        Path plain = write("d/sub/plain.txt", String.join("\n", docs));
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(tmp.resolve("plain.txt.gz")))) {
            o.write(Files.readAllBytes(plain));
        }
        StringBuilder jsonl = new StringBuilder();
        ObjectMapper m = new ObjectMapper();
        for (String d : docs) jsonl.append(m.writeValueAsString(java.util.Map.of("text", d, "id", 1))).append('\n');
        Path jl = write("docs.jsonl", jsonl.toString());
        int[][] a = merges(toy(plain, 400)), b = merges(toy(tmp.resolve("plain.txt.gz"), 400)),
                c = merges(toy(tmp.resolve("d"), 400));
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i]);
            assertArrayEquals(a[i], c[i]);
        }
        // JSON Lines: the records' texts without the newlines between them, each a document of its own
        Path docsPlain = write("docs.txt", String.join("", docs));
        String regex = PreTokenizers.GPT2;
        java.util.Map<String, Long> counts = new java.util.LinkedHashMap<>();
        for (String d : docs) ReferenceBpe.countWords(regex, d).forEach((k, v) -> counts.merge(k, v, Long::sum));
        List<int[]> ref = ReferenceBpe.train(counts, 100);
        int[][] j = merges(toy(jl, 356));
        for (int i = 0; i < ref.size(); i++) assertArrayEquals(ref.get(i), j[i], "jsonl merge " + i);
        assertTrue(Files.exists(docsPlain));
    }

    @Test
    void invalidUtf8IsCountedAndKeptAsBytes() throws Exception {
        Path f = tmp.resolve("bad.txt");
        byte[] text = "hello hello \u00ff world".getBytes(StandardCharsets.UTF_8);
        byte[] bad = new byte[text.length + 4];
        System.arraycopy(text, 0, bad, 0, text.length);
        bad[text.length] = (byte) 0xFF;
        bad[text.length + 1] = (byte) 0xC3;  // a lead byte cut short
        bad[text.length + 2] = 'x';
        bad[text.length + 3] = (byte) 0x80;  // a stray continuation byte
        Files.write(f, bad);
        BpeTrainer.Result r = new BpeTrainer(toy(f, 300)).train(Progress.NONE);
        assertEquals(3, r.summary().invalidUtf8Bytes());
    }

    @Test
    void badInputGivesOneLineMessages() throws Exception {
        Path empty = write("empty.txt", "");
        Path toy = write("toy.txt", TOY);
        assertMessage("no text to train on", () -> merges(toy(empty, 300)));
        assertMessage("no such file", () -> merges(toy(tmp.resolve("missing.txt"), 300)));
        assertMessage("smaller than the 256 byte tokens + 2 special tokens = 258",
                () -> merges(toy(toy, 257).withSpecialTokens(List.of("<a>", "<b>"))));
        assertMessage("\"<a>\" is given twice", () -> merges(toy(toy, 400).withSpecialTokens(List.of("<a>", "<a>"))));
        assertMessage("not gpt2, cl100k, o200k, llama3 or a valid regex", () -> merges(toy(toy, 400).withPattern("([a-z")));
        Path badJson = write("bad.jsonl", "{\"text\": \"fine\"}\n{\"text\": oops}\n");
        assertMessage("bad.jsonl: line 2: not valid JSON", () -> merges(toy(badJson, 300)));
        Path noField = write("nofield.jsonl", "{\"body\": \"x\"}\n");
        assertMessage("no JSON Lines record has a text field \"text\"", () -> merges(toy(noField, 300)));
        Path notGz = write("text.gz", "plain text, not gzip");
        assertMessage("text.gz: cannot read: not a gzip file", () -> merges(toy(notGz, 300)));
        Path dir = Files.createDirectories(tmp.resolve("emptydir"));
        assertMessage("no text to train on", () -> merges(toy(dir, 300)));
    }

    static void assertMessage(String part, Runnable r) {
        CortadoException e = assertThrows(CortadoException.class, r::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void memoryBudgetPrunesRareWordsAndSaysSo() throws Exception {
        Path corpus = TestFiles.sharedFile("corpus/tinyshakespeare.txt");
        BpeTrainer.Result r = new BpeTrainer(TrainOptions.of(List.of(corpus), 500).withMemoryBudget(200_000))
                .train(Progress.NONE);
        assertTrue(r.summary().prunedPieces() > 0, "" + r.summary());
        assertTrue(r.summary().pruneMinCount() >= 2);
        assertTrue(r.summary().distinctPieces() < 14_000);
    }

    @Test
    void failedRunLeavesTheOutputAsItWas() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("keep.txt"), "old");
        Path t = TrainedTokenizerWriter.prepare(out);
        TrainedTokenizerWriter.discard(t);
        assertFalse(Files.exists(t));
        assertEquals("old", Files.readString(out.resolve("keep.txt")));
        List<Path> left = new ArrayList<>();
        try (var s = Files.list(tmp)) {
            s.forEach(left::add);
        }
        assertEquals(List.of(out), left);
    }
}
