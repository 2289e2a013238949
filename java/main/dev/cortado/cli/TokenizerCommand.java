package dev.cortado.cli;

import dev.cortado.CortadoException;
import dev.cortado.tokenizer.train.BpeTrainer;
import dev.cortado.tokenizer.train.TrainOptions;
import dev.cortado.tokenizer.train.TrainSummary;
import dev.cortado.tokenizer.train.TrainedTokenizerWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code cortado tokenizer …}: tokenizer tools: {@code train} and {@code convert}. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true, description = "Tokenizer tools.",
        subcommands = {TokenizerCommand.Train.class, TokenizerConvertCommand.class})
final class TokenizerCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code cortado tokenizer train}: byte-level BPE from text files. */
    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Train a byte-level BPE tokenizer on text files, directories, JSON Lines and .gz of either.",
                "Writes DIR/tokenizer.json (Hugging Face), DIR/tokenizer.tiktoken and DIR/summary.json, all or nothing.",
                "Ids: 0-255 the bytes, then the merges in order, then the special tokens. Ties between equally",
                "frequent pairs go to the lowest (left id, right id). The same inputs and options give the same",
                "tokenizer files whatever --threads is."})
    static final class Train implements Callable<Integer> {
        @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH",
                description = "text files, directories (recursively), .jsonl, .gz of either")
        List<Path> inputs;

        @Option(names = "--vocab-size", required = true, paramLabel = "N",
                description = "the whole vocabulary: 256 bytes + merges + special tokens")
        int vocabSize;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "the directory to write")
        Path out;

        @Option(names = "--min-frequency", paramLabel = "F", defaultValue = "0",
                description = "merge only pairs seen at least F times (default ${DEFAULT-VALUE}: any)")
        long minFrequency;

        @Option(names = "--special-tokens", paramLabel = "LIST", split = ",",
                description = "comma-separated special tokens, given the last ids in this order")
        List<String> specialTokens = new ArrayList<>();

        @Option(names = "--pattern", paramLabel = "NAME|REGEX", defaultValue = "gpt2",
                description = "pre-tokenization: gpt2, cl100k, o200k, llama3, or a regex (default ${DEFAULT-VALUE})")
        String pattern;

        @Option(names = "--max-token-length", paramLabel = "L", description = "no token longer than L bytes")
        Integer maxTokenLength;

        @Option(names = "--jsonl-field", paramLabel = "NAME", defaultValue = "text",
                description = "the field holding each JSON Lines record's text (default ${DEFAULT-VALUE})")
        String jsonlField;

        @Option(names = "--threads", paramLabel = "N", description = "counting threads (default: all cores)")
        Integer threads;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
                description = "chooses the held-out slice (default ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--held-out", paramLabel = "PERCENT", defaultValue = "1",
                description = "percent of the text held out of training to measure compression (default ${DEFAULT-VALUE})")
        double heldOutPercent;

        @Option(names = "--memory", paramLabel = "MiB",
                description = "memory for word counts before rare words are pruned (default: a third of the heap)")
        Long memoryMiB;

        @Override
        public Integer call() {
            TrainOptions o = new TrainOptions(inputs, vocabSize, minFrequency, specialTokens, pattern,
                    maxTokenLength == null ? Integer.MAX_VALUE : maxTokenLength, jsonlField,
                    threads == null ? Runtime.getRuntime().availableProcessors() : threads, seed, heldOutPercent / 100,
                    memoryMiB == null ? Runtime.getRuntime().maxMemory() / 3 : memoryMiB * (1L << 20));
            BpeTrainer trainer = new BpeTrainer(o);
            Path tmp = TrainedTokenizerWriter.prepare(out);
            try {
                BpeTrainer.Result r = trainer.train(ProgressBar.stderr().withDetail(trainer::liveCounters));
                TrainedTokenizerWriter.commit(r.tokenizer(), r.summary(), tmp, out);
                print(r.summary());
            } catch (CortadoException | Error e) {
                TrainedTokenizerWriter.discard(tmp);
                throw e;
            } catch (RuntimeException e) {
                TrainedTokenizerWriter.discard(tmp);
                throw e;
            }
            return 0;
        }

        private void print(TrainSummary s) {
            System.out.printf(Locale.ROOT, "%s: vocabulary %,d (%,d merges, %d special tokens), pattern %s%n", out,
                    s.vocabSize(), s.merges(), s.specialTokens(), s.pattern());
            System.out.printf(Locale.ROOT, "  input: %d files, %s, %,d words (%,d distinct)%s%n", s.files(),
                    Sizes.bytes(s.inputBytes()), s.pieces(), s.distinctPieces(),
                    s.invalidUtf8Bytes() > 0 ? String.format(Locale.ROOT, ", %,d invalid UTF-8 bytes kept as bytes", s.invalidUtf8Bytes()) : "");
            if (s.prunedPieces() > 0)
                System.out.printf(Locale.ROOT, "  memory budget: pruned %,d distinct words (%,d occurrences) seen < %d times%n",
                        s.prunedPieces(), s.prunedOccurrences(), s.pruneMinCount());
            if (s.heldOutTokens() > 0)
                System.out.printf(Locale.ROOT, "  held-out: %s in %,d tokens = %.3f bytes/token%n", Sizes.bytes(s.heldOutBytes()),
                        s.heldOutTokens(), s.heldOutBytesPerToken());
            else
                System.out.println("  held-out: none");
            System.out.printf(Locale.ROOT, "  time: %.2f s (counting %.2f s, merging %.2f s), %d threads, peak memory %s%n",
                    s.totalSeconds(), s.countSeconds(), s.mergeSeconds(), s.threads(),
                    s.peakRssBytes() < 0 ? "unknown" : Sizes.bytes(s.peakRssBytes()));
        }
    }
}
