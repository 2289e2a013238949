package dev.cortado.train;

import dev.cortado.CortadoException;
import dev.cortado.Progress;
import dev.cortado.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain .txt file as training data: the whole text is one token stream (BOS + text + EOS) cut into
 * windows of {@code seqLen + 1} tokens that overlap by one, so every token after the first is a
 * target exactly once and nothing is truncated. The text is tokenized in one piece (cutting it first
 * would change how tokens merge at the cuts), so the file must fit in a Java string.
 */
final class TextWindows {
    private TextWindows() {}

    static List<Example> read(Path file, Tokenizer tokenizer, int seqLen, Progress progress) {
        long size = DataLines.size(file);
        if (size > Integer.MAX_VALUE - 64) throw CortadoException.inFile(file, "is " + size + " bytes; a .txt data file must be under 2 GiB (split it, or use .jsonl)");
        byte[] bytes = new byte[(int) size];
        progress.start("reading " + file.getFileName(), size, "B");
        try (InputStream in = Files.newInputStream(file)) {
            int off = 0;
            while (off < bytes.length) {
                int n = in.read(bytes, off, Math.min(1 << 20, bytes.length - off));
                if (n < 0) break;
                off += n;
                progress.advance(n);
            }
            if (off < bytes.length) throw CortadoException.inFile(file, "shrank while being read (" + off + " of " + size + " bytes)");
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        } finally {
            progress.finish();
        }
        int from = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
        String text;
        try {
            text = Utf8Text.decode(bytes, from, bytes.length - from);
        } catch (Utf8Text.Invalid e) {
            int at = from + e.offset;
            long line = 1, lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw CortadoException.inFile(file, "line " + line + ": invalid UTF-8 at byte " + (at - lineStart + 1) + " of the line");
        }
        if (text.isBlank()) throw CortadoException.inFile(file, "the data set is empty (no text)");
        int[] ids = tokenizer.encode(text);
        Integer bos = tokenizer.addsBos() ? tokenizer.bosId() : null, eos = tokenizer.eosId();
        int head = bos == null ? 0 : 1;
        int[] stream = new int[head + ids.length + (eos == null ? 0 : 1)];
        if (bos != null) stream[0] = bos;
        System.arraycopy(ids, 0, stream, head, ids.length);
        if (eos != null) stream[stream.length - 1] = eos;
        return windows(stream, seqLen);
    }

    /**
     * A token shard ({@link TokenShard}, e.g. from the Spark TokenizeDataset job) as training data:
     * its tokens are already one stream (documents with their BOS/EOS), cut into windows like text.
     */
    static List<Example> readShard(Path file, Tokenizer tokenizer, int seqLen) {
        int[] stream = TokenShard.read(file);
        int vocab = tokenizer.vocabSize();
        for (int i = 0; i < stream.length; i++) {
            if (stream[i] < 0 || stream[i] >= vocab) {
                throw CortadoException.inFile(file, "token " + i + " is id " + stream[i] + ", outside the tokenizer's "
                        + vocab + "-token vocabulary (was the shard made with another tokenizer?)");
            }
        }
        if (stream.length < 2) throw CortadoException.inFile(file, "the data set is empty (fewer than 2 tokens)");
        return windows(stream, seqLen);
    }

    /** Windows of seqLen + 1 tokens overlapping by one: every token after the first is a target once. */
    private static List<Example> windows(int[] stream, int seqLen) {
        List<Example> windows = new ArrayList<>();
        for (int start = 0; start < stream.length - 1; start += seqLen) {
            int end = Math.min(stream.length, start + seqLen + 1);
            windows.add(Example.lossFrom(Arrays.copyOfRange(stream, start, end), 1));
        }
        return windows;
    }
}
