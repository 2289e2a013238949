package dev.cortado.tokenizer.train;

import dev.cortado.CortadoException;
import dev.cortado.Progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Trains a byte-level BPE tokenizer: counts the pre-tokenized pieces of the inputs in parallel
 * ({@link WordCounter}), runs the merge loop ({@link BpeMerger}), and measures compression on the
 * held-out slice. The result depends only on the inputs and options, never on the thread count.
 */
public final class BpeTrainer {
    private final TrainOptions options;
    private final Pretokenizer pretokenizer;
    private volatile WordCounter counter;
    private volatile int mergesDone;

    public BpeTrainer(TrainOptions options) {
        this.options = options;
        validate(options);
        this.pretokenizer = Patterns.forName(options.pattern());
    }

    /** The options checked before any work: vocabulary size, special tokens, threads. */
    static void validate(TrainOptions o) {
        if (o.inputs().isEmpty()) throw new CortadoException("no --input given");
        Set<String> seen = new HashSet<>();
        for (String s : o.specialTokens()) {
            if (s.isEmpty()) throw new CortadoException("--special-tokens: an empty special token");
            if (!seen.add(s)) throw new CortadoException("--special-tokens: \"" + s + "\" is given twice");
        }
        int least = 256 + o.specialTokens().size();
        if (o.vocabSize() < least)
            throw new CortadoException("--vocab-size " + o.vocabSize() + " is smaller than the 256 byte tokens + "
                    + o.specialTokens().size() + " special tokens = " + least);
        if (o.threads() < 1) throw new CortadoException("--threads must be at least 1, not " + o.threads());
        if (o.maxTokenLength() < 1) throw new CortadoException("--max-token-length must be at least 1");
        if (o.minFrequency() < 0) throw new CortadoException("--min-frequency must not be negative");
        if (o.heldOutFraction() < 0 || o.heldOutFraction() >= 0.5)
            throw new CortadoException("the held-out fraction must be in [0, 0.5)");
    }

    /** A line of live counters for a progress bar: bytes read, pieces counted, merges done. */
    public String liveCounters() {
        WordCounter c = counter;
        if (c == null) return "";
        return String.format(java.util.Locale.ROOT, "%,d words (%,d distinct), %,d merges",
                c.piecesCounted.get(), c.distinctWords, mergesDone);
    }

    /** The trained tokenizer and the run's summary. */
    public record Result(TrainedTokenizer tokenizer, TrainSummary summary) {}

    public Result train(Progress progress) {
        long t0 = System.nanoTime();
        List<Path> files = CorpusReader.expand(options.inputs());
        long inputBytes = 0;
        for (Path f : files) {
            try {
                inputBytes += Files.size(f);
            } catch (IOException e) {
                throw CortadoException.inFile(f, "cannot read size: " + e.getMessage());
            }
        }
        WordCounter wc = new WordCounter(pretokenizer, options.threads(), options.heldOutFraction(),
                options.memoryBudget(), options.jsonlField(), options.seed());
        counter = wc;
        progress.start("counting words", inputBytes, "B");
        WordCounts counts = wc.count(files, progress::advance);
        progress.finish();
        if (counts.trainingBytes() == 0) {
            throw new CortadoException("no text to train on in " + (files.size() == 1 ? files.get(0) : files.size()
                    + " input files") + (files.isEmpty() ? " (the directories hold no files)" : " (empty input)"));
        }
        if (counts.invalidUtf8Bytes() > 0)
            progress.note(String.format(java.util.Locale.ROOT,
                    "%,d bytes were not valid UTF-8: kept as single-byte pieces", counts.invalidUtf8Bytes()));
        if (counts.prunedWords() > 0)
            progress.note(String.format(java.util.Locale.ROOT,
                    "memory budget: dropped %,d distinct words (%,d occurrences) seen fewer than %d times",
                    counts.prunedWords(), counts.prunedOccurrences(), counts.pruneMinCount()));
        long t1 = System.nanoTime();

        int maxMerges = options.vocabSize() - 256 - options.specialTokens().size();
        progress.start("merging", maxMerges, "merges");
        BpeMerger merger = new BpeMerger(counts.words());
        long[] keys = merger.run(maxMerges, options.minFrequency(), options.maxTokenLength(), c -> {
            mergesDone++;
            progress.advance(1);
        });
        progress.finish();
        if (keys.length < maxMerges)
            progress.note(String.format(java.util.Locale.ROOT, "%,d merges of %,d asked: no more pairs%s", keys.length,
                    maxMerges, options.minFrequency() > 1 ? " seen " + options.minFrequency() + " times" : ""));
        long t2 = System.nanoTime();

        TrainedTokenizer tok = tokenizer(keys, options.specialTokens(), pretokenizer);

        long heldOutTokens = heldOutTokens(counts.heldOut(), keys);
        long t3 = System.nanoTime();
        TrainSummary s = new TrainSummary(tok.vocabSize(), keys.length, options.specialTokens().size(),
                options.pattern(), files.size(), counts.documents(), inputBytes, counts.trainingBytes(), counts.pieces(),
                counts.words().size(), counts.invalidUtf8Bytes(), counts.prunedWords(), counts.prunedOccurrences(),
                counts.pruneMinCount(), counts.heldOutBytes(), heldOutTokens,
                heldOutTokens == 0 ? Double.NaN : (double) counts.heldOutBytes() / heldOutTokens,
                (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t0) / 1e9, peakRss(), options.threads());
        return new Result(tok, s);
    }

    /** The tokenizer of a merge list: bytes 0-255, then one token per merge, then the special tokens. */
    private static TrainedTokenizer tokenizer(long[] keys, List<String> specialTokens, Pretokenizer pretokenizer) {
        int[][] merges = new int[keys.length][];
        byte[][] tokenBytes = new byte[256 + keys.length][];
        for (int b = 0; b < 256; b++) tokenBytes[b] = new byte[] {(byte) b};
        for (int i = 0; i < keys.length; i++) {
            int a = (int) (keys[i] >>> 32), b = (int) keys[i];
            merges[i] = new int[] {a, b};
            byte[] x = tokenBytes[a], y = tokenBytes[b], z = new byte[x.length + y.length];
            System.arraycopy(x, 0, z, 0, x.length);
            System.arraycopy(y, 0, z, x.length, y.length);
            tokenBytes[256 + i] = z;
        }
        return new TrainedTokenizer(merges, tokenBytes, specialTokens, pretokenizer);
    }

    /**
     * The merge loop alone, over pieces counted elsewhere (e.g. by {@link PieceCounter}s on a cluster
     * and summed): with the counts the single-machine trainer would have found, the result is the
     * tokenizer {@link #train} makes. {@code onMerge} hears each merge's pair count.
     */
    public static TrainedTokenizer mergeCounted(PieceCounter counts, int vocabSize, long minFrequency,
                                                int maxTokenLength, List<String> specialTokens, String pattern,
                                                java.util.function.IntConsumer onMerge) {
        validate(new TrainOptions(List.of(Path.of(".")), vocabSize, minFrequency, specialTokens, pattern,
                maxTokenLength, "text", 1, 0, 0, Long.MAX_VALUE));
        int maxMerges = vocabSize - 256 - specialTokens.size();
        long[] keys = new BpeMerger(counts.table()).run(maxMerges, minFrequency, maxTokenLength, onMerge);
        return tokenizer(keys, specialTokens, Patterns.forName(pattern));
    }

    private static long heldOutTokens(WordTable heldOut, long[] merges) {
        RankEncoder enc = new RankEncoder(merges);
        long tokens = 0;
        for (int e = 0; e < heldOut.size(); e++)
            tokens += heldOut.count(e) * enc.encode(heldOut.arena(), heldOut.offset(e), heldOut.length(e)).length;
        return tokens;
    }

    /** VmHWM from /proc/self/status, in bytes; -1 where there is none. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no figure
        }
        return -1;
    }
}
