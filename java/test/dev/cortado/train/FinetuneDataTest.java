package dev.cortado.train;

import dev.cortado.CortadoException;
import dev.cortado.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** FinetuneData with a char-level tokenizer (1 char = 1 token, BOS 1, EOS 2, pad 0): formats, packing, split, bad input. */
class FinetuneDataTest {
    static final CharTokenizer TOK = new CharTokenizer();
    @TempDir
    Path dir;

    Path file(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    static DatasetSplit load(Path file, int seqLen) {
        return FinetuneData.load(file, TOK, null, new DataOptions(seqLen, 0, 1, false), Progress.NONE);
    }

    static CortadoException fails(Path file, DataOptions o) {
        CortadoException e = assertThrows(CortadoException.class, () -> FinetuneData.load(file, TOK, null, o, Progress.NONE));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().contains(file.getFileName().toString()), "names the file: " + e.getMessage());
        return e;
    }

    static CortadoException fails(Path file) {
        return fails(file, new DataOptions(32, 0, 1, false));
    }

    @Test
    void textExamplesAreBosTextEosWithLossOnEveryTarget() throws IOException {
        DatasetSplit s = load(file("d.jsonl", "{\"text\":\"abc\"}\n\n{\"text\":\"hello\",\"id\":7}\n"), 16);
        assertEquals("text", s.report().format());
        assertEquals(2, s.report().examples());
        assertEquals(1, s.train().size(), "5 + 7 tokens share one sequence of 17");
        assertEquals(0, s.eval().size());
        assertEquals(List.of("abc</s>", "hello</s>"), PackedRuns.decodedRuns(s.train(), TOK));
        assertEquals(10, s.report().trainTokens());
        int[] row = PackedRuns.rows(s.train()).get(0);
        assertEquals(1, row[0], "a sequence starts with an example's BOS");
        assertEquals(1, row[5] == 1 ? row[5] : row[7], "the second example starts right after the first");
        for (int i = 12; i < row.length; i++) assertEquals(0, row[i], "padding with the pad token");
    }

    @Test
    void promptCompletionTrainsOnlyTheCompletionAndEos() throws IOException {
        DatasetSplit s = load(file("d.jsonl", "{\"prompt\":\"Q: 2+2? A:\",\"completion\":\" 4\"}\n{\"prompt\":\"\",\"completion\":\"xy\"}\n"), 32);
        assertEquals("prompt-completion", s.report().format());
        assertEquals(List.of(" 4</s>", "xy</s>"), PackedRuns.decodedRuns(s.train(), TOK));
    }

    @Test
    void packingKeepsExamplesWholeAndMasksCrossingsAndPadding() throws IOException {
        Random r = new Random(3);
        StringBuilder sb = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            StringBuilder t = new StringBuilder();
            int len = 1 + r.nextInt(18);
            for (int j = 0; j < len; j++) t.append((char) ('a' + r.nextInt(26)));
            sb.append("{\"text\":\"").append(t).append("\"}\n");
            expected.add(t + "</s>");
        }
        DatasetSplit s = load(file("d.jsonl", sb.toString()), 20);
        assertEquals(expected.stream().sorted().toList(), PackedRuns.decodedRuns(s.train(), TOK));
        Batch b = PackedRuns.all(s.train());
        long realTokens = 0;
        for (int row = 0; row < b.rows(); row++) {
            assertEquals(1, b.inputs()[row * 20], "every sequence starts with a whole example");
            for (int t = 0; t < 20; t++) {
                int i = row * 20 + t;
                if (b.targets()[i] == 1 || b.targets()[i] == 0) assertEquals(0f, b.mask()[i], "BOS (crossing) and pad targets carry no loss");
                if (b.inputs()[i] == 0) assertEquals(0, b.targets()[i], "padding only at the end of a sequence");
                if (b.inputs()[i] != 0) realTokens++;
            }
        }
        long exampleTokens = expected.stream().mapToLong(e -> e.length() - 4 + 2).sum();  // text + BOS + EOS
        assertTrue(realTokens <= exampleTokens && realTokens >= exampleTokens - b.rows(), "every token packed once");
        // greedy packing: no sequence could have taken the next sequence's first example
        assertTrue(b.rows() < 200 * 20 / 21 * 0.8 + 20, "packed, not one example per sequence: " + b.rows());
    }

    @Test
    void longExamplesAreTruncatedAndCounted() throws IOException {
        String longText = "abcdefghijklmnopqrstuvwxyz0123";
        DatasetSplit s = load(file("d.jsonl", "{\"text\":\"" + longText + "\"}\n{\"text\":\"ok\"}\n{\"text\":\"" + longText + "xyz\"}\n"), 10);
        assertEquals(2, s.report().truncated());
        List<String> runs = PackedRuns.decodedRuns(s.train(), TOK);
        assertEquals(List.of("abcdefghij", "abcdefghij", "ok</s>"), runs);
    }

    @Test
    void anExampleWithNothingLeftToTrainIsDropped() throws IOException {
        String prompt = "p".repeat(40);
        Path f = file("d.jsonl", "{\"prompt\":\"" + prompt + "\",\"completion\":\"x\"}\n{\"prompt\":\"a\",\"completion\":\"b\"}\n");
        DatasetSplit s = load(f, 10);
        assertEquals(1, s.report().truncated());
        assertEquals(1, s.report().examples());
        assertEquals(List.of("b</s>"), PackedRuns.decodedRuns(s.train(), TOK));
        Path only = file("e.jsonl", "{\"prompt\":\"" + prompt + "\",\"completion\":\"x\"}\n");
        assertTrue(fails(only, new DataOptions(10, 0, 1, false)).getMessage().contains("nothing to train on"));
    }

    @Test
    void evalSplitIsDeterministicAndHoldsWholeExamples() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50; i++) sb.append("{\"text\":\"example ").append(i).append("\"}\n");
        Path f = file("d.jsonl", sb.toString());
        DataOptions o = new DataOptions(16, 0.1, 42, false);
        DatasetSplit a = FinetuneData.load(f, TOK, null, o, Progress.NONE);
        DatasetSplit b = FinetuneData.load(f, TOK, null, o, Progress.NONE);
        DatasetSplit c = FinetuneData.load(f, TOK, null, new DataOptions(16, 0.1, 43, false), Progress.NONE);
        assertEquals(5, PackedRuns.maskedRuns(a.eval()).size());
        assertEquals(45, PackedRuns.maskedRuns(a.train()).size());
        assertEquals(PackedRuns.decodedRuns(a.eval(), TOK), PackedRuns.decodedRuns(b.eval(), TOK));
        assertArrayEquals(PackedRuns.all(a.train()).inputs(), PackedRuns.all(b.train()).inputs());
        assertNotEquals(PackedRuns.decodedRuns(a.eval(), TOK), PackedRuns.decodedRuns(c.eval(), TOK));
        List<String> union = new ArrayList<>(PackedRuns.decodedRuns(a.eval(), TOK));
        union.addAll(PackedRuns.decodedRuns(a.train(), TOK));
        assertEquals(50, union.stream().distinct().count(), "every example on exactly one side");
        assertEquals(a.report().evalSequences(), a.eval().size());
        assertEquals(a.report().evalTokens(), a.eval().maskedTokens());

        assertEquals(0, FinetuneData.evalCount(1, 0.5), "one example: nothing to hold out");
        assertEquals(1, FinetuneData.evalCount(2, 0.0001), "at least one");
        assertEquals(9, FinetuneData.evalCount(10, 0.99), "never all");
        assertEquals(0, FinetuneData.evalCount(100, 0));
    }

    @Test
    void txtIsOneStreamInOverlappingWindows() throws IOException {
        Path f = file("d.txt", "abcdefghij");
        DatasetSplit s = load(f, 4);
        assertEquals("txt", s.report().format());
        assertEquals(3, s.report().examples(), "12 tokens: windows at 0, 4, 8");
        assertEquals(0, s.report().truncated());
        assertEquals(11, s.report().trainTokens(), "every token after BOS is a target exactly once");
        List<String> runs = PackedRuns.decodedRuns(s.train(), TOK);
        assertEquals(List.of("abcd", "efgh", "ij</s>"), runs);
        // each window begins with the token the previous one ends with
        List<int[]> rows = PackedRuns.rows(s.train());
        assertTrue(rows.stream().anyMatch(r -> r[0] == 'd' + 3 && r[4] == 'h' + 3));
    }

    @Test
    void tokenShardsAreWindowedLikeText() throws IOException {
        Path txt = file("d.txt", "abcdefghij");
        Path shard = dir.resolve("d.bin");
        int[] stream = PackedRuns.rows(load(txt, 100).train()).get(0);
        int n = 12;  // BOS + 10 letters + EOS, as the .txt path makes them
        TokenShard.write(shard, stream, n, TokenShard.DType.UINT16);
        DatasetSplit s = load(shard, 4);
        assertEquals("shard", s.report().format());
        assertEquals(List.of("abcd", "efgh", "ij</s>"), PackedRuns.decodedRuns(s.train(), TOK));

        TokenShard.write(shard, new int[] {1, 99999}, 2, TokenShard.DType.UINT32);
        assertTrue(fails(shard).getMessage().contains("outside the tokenizer's"));
        Files.writeString(shard, "not a shard at all, just some text");
        assertTrue(fails(shard).getMessage().contains("not a token shard"));
    }

    @Test
    void progressReportsBytesRead() throws IOException {
        Path f = file("d.jsonl", "{\"text\":\"abc\"}\n{\"text\":\"de\"}");
        long[] total = {0, 0};
        Progress p = new Progress() {
            public void start(String what, long t, String unit) { total[1] = t; assertEquals("B", unit); }
            public void advance(long units) { total[0] += units; }
            public void finish() {}
        };
        DatasetSplit s = FinetuneData.load(f, TOK, null, new DataOptions(8, 0, 1, false), p);
        assertEquals(Files.size(f), total[0]);
        assertEquals(Files.size(f), total[1]);
        assertEquals(2, s.report().examples(), "a last line without newline counts");
    }

    @Test
    void byteOrderMarkAndCrlfAreAccepted() throws IOException {
        Path f = dir.resolve("d.jsonl");
        Files.write(f, ("\uFEFF{\"text\":\"ab\"}\r\n{\"text\":\"cd\"}\r\n").getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("ab</s>", "cd</s>"), PackedRuns.decodedRuns(load(f, 8).train(), TOK));
    }

    @Test
    void malformedJsonNamesTheLineOrIsSkippedAndCounted() throws IOException {
        Path f = file("d.jsonl", "{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"text\": oops}\n{\"text\":\"c\"}\n");
        String m = fails(f).getMessage();
        assertTrue(m.contains("line 3: malformed JSON"), m);
        DatasetSplit s = FinetuneData.load(f, TOK, null, new DataOptions(8, 0, 1, true), Progress.NONE);
        assertEquals(1, s.report().skippedBad());
        assertEquals(3, s.report().examples());
        assertTrue(fails(file("t.jsonl", "{\"text\":\"a\"} {\"text\":\"b\"}\n")).getMessage().contains("line 1: malformed JSON"));
        assertTrue(fails(file("n.jsonl", "{\"text\":\"a\"}\n[1, 2]\n")).getMessage().contains("line 2: expected a JSON object, found an array"));
    }

    @Test
    void missingEmptyAndNonStringFieldsNameTheLineAndField() throws IOException {
        assertTrue(fails(file("a.jsonl", "{\"foo\":1,\"bar\":2}\n")).getMessage().contains("line 1: no \"text\", \"prompt\"/\"completion\" or \"messages\" field (it has foo, bar)"));
        assertTrue(fails(file("b.jsonl", "{\"text\":\"a\"}\n{\"text\":5}\n")).getMessage().contains("line 2: \"text\" is a number, not a string"));
        assertTrue(fails(file("c.jsonl", "{\"text\":\"\"}\n")).getMessage().contains("line 1: \"text\" is empty"));
        assertTrue(fails(file("d.jsonl", "{\"prompt\":\"p\"}\n")).getMessage().contains("line 1: \"completion\" is missing"));
        assertTrue(fails(file("e.jsonl", "{\"prompt\":\"p\",\"completion\":null}\n")).getMessage().contains("\"completion\" is null, not a string"));
        assertTrue(fails(file("f.jsonl", "{\"text\":\"a\"}\n{\"prompt\":\"p\",\"completion\":\"c\"}\n")).getMessage()
                .contains("line 2: a prompt-completion example, but line 1 made this a text file"));
    }

    @Test
    void invalidUtf8NamesTheLine() throws IOException {
        Path f = dir.resolve("d.jsonl");
        byte[] good = "{\"text\":\"a\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC3, '(', '"', '}', '\n'};
        Files.write(f, concat(good, bad, good));
        assertTrue(fails(f).getMessage().contains("line 2: invalid UTF-8 at byte 10 of the line"), fails(f).getMessage());
        assertEquals(1, FinetuneData.load(f, TOK, null, new DataOptions(8, 0, 1, true), Progress.NONE).report().skippedBad());
        Path t = dir.resolve("d.txt");
        Files.write(t, concat("line one\nline two\n".getBytes(StandardCharsets.UTF_8), new byte[]{'x', (byte) 0xFF}));
        assertTrue(fails(t).getMessage().contains("line 3: invalid UTF-8 at byte 2 of the line"), fails(t).getMessage());
    }

    @Test
    void emptyMissingAndUnknownFiles() throws IOException {
        assertTrue(fails(file("e.jsonl", "\n  \n")).getMessage().contains("the data set is empty"));
        assertTrue(fails(file("e.txt", " \n")).getMessage().contains("the data set is empty"));
        Path allBad = file("b.jsonl", "nope\n{\n");
        assertTrue(fails(allBad, new DataOptions(8, 0, 1, true)).getMessage().contains("all 2 lines were bad"));
        assertTrue(fails(dir.resolve("missing.jsonl")).getMessage().contains("no such data file"));
        assertTrue(fails(file("d.csv", "a,b\n")).getMessage().contains("give .jsonl, .txt or a token shard .bin"));
    }

    @Test
    void chatDataWithoutATemplateIsAnError() throws IOException {
        Path f = file("c.jsonl", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\"}]}\n");
        CortadoException e = fails(f, new DataOptions(32, 0, 1, true));
        assertTrue(e.getMessage().contains("line 1: chat messages need a chat template"), e.getMessage());
    }

    @Test
    void badOptionsAreCortadoExceptions() {
        assertThrows(CortadoException.class, () -> new DataOptions(0, 0, 1, false));
        assertThrows(CortadoException.class, () -> new DataOptions(8, 1.0, 1, false));
        assertThrows(CortadoException.class, () -> new DataOptions(8, Double.NaN, 1, false));
    }

    static byte[] concat(byte[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
