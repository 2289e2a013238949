package dev.cortado.train;

import dev.cortado.CortadoException;
import dev.cortado.Progress;
import dev.cortado.chat.ChatTemplate;
import dev.cortado.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;

/**
 * Fine-tuning data: reads a data file, tokenizes its examples with their loss masks, holds out an
 * eval set and packs both sides into {@link PackedData}.
 *
 * <p>Formats: .jsonl with one {@code {"text"}}, {@code {"prompt","completion"}} or
 * {@code {"messages":[{"role","content"}…]}} object per line ({@link JsonlExamples}, chat masking in
 * {@link ChatMasking}), or .txt, one token stream cut into windows ({@link TextWindows}).
 *
 * <p>The eval split shuffles whole examples (a chat conversation split per turn stays together)
 * with {@code seed}, so it is the same on every run; then each side is packed in its shuffled order
 * ({@link Packer}). Examples longer than a sequence ({@code seqLen + 1} tokens) keep their head and
 * are counted as truncated; one left with nothing to learn (a prompt that fills the whole sequence)
 * is dropped and counted the same way. Padding uses the tokenizer's pad token if its specials name
 * one, else EOS; its value never matters, as padding targets have mask 0 and, coming after the real
 * tokens, cannot be attended to by them.
 */
public final class FinetuneData {
    private static final List<String> PAD_NAMES = List.of("<pad>", "[PAD]", "<|pad|>", "<|padding|>", "<|finetune_right_pad_id|>", "<|PAD_TOKEN|>");

    private FinetuneData() {}

    /**
     * Reads .jsonl ({"text"}, {"prompt","completion"}, {"messages":[{"role","content"}...]}), .txt, or a
     * token shard .bin ({@link TokenShard}: already tokenized, cut into windows like .txt);
     * {@code template} may be null (then chat data is an error). Bad input is a one-line
     * CortadoException naming the file and, for a bad line, its number (skipped and counted instead
     * with {@link DataOptions#skipBad()}).
     */
    public static DatasetSplit load(Path file, Tokenizer tokenizer, ChatTemplate template, DataOptions options, Progress progress) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(options, "options");
        Progress p = progress == null ? Progress.NONE : progress;
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        List<List<Example>> groups;
        String format;
        long[] skipped = {0};
        if (name.endsWith(".txt")) {
            groups = new ArrayList<>();
            for (Example w : TextWindows.read(file, tokenizer, options.seqLen(), p)) groups.add(List.of(w));
            format = "txt";
        } else if (name.endsWith(".bin")) {
            groups = new ArrayList<>();
            for (Example w : TextWindows.readShard(file, tokenizer, options.seqLen())) groups.add(List.of(w));
            format = "shard";
        } else if (name.endsWith(".jsonl")) {
            JsonlExamples jsonl = new JsonlExamples(file, tokenizer, template);
            DataLines.forEach(file, p, jsonl, bad -> {
                if (!options.skipBad()) throw CortadoException.inFile(file, "line " + bad.line + ": " + bad.getMessage());
                skipped[0]++;
            });
            if (skipped[0] > 0) p.note("skipped " + skipped[0] + " bad line" + (skipped[0] == 1 ? "" : "s") + " of " + file.getFileName());
            if (jsonl.splitConversations() > 0) {
                p.note(jsonl.splitConversations() + " conversations were split into one example per assistant turn: "
                        + "the chat template renders earlier turns differently once later ones follow");
            }
            groups = jsonl.groups;
            format = jsonl.format;
        } else {
            throw CortadoException.inFile(file, "is not a data file Cortado reads (give .jsonl, .txt or a token shard .bin)");
        }
        if (groups.isEmpty()) {
            throw CortadoException.inFile(file, "the data set is empty" + (skipped[0] > 0 ? " (all " + skipped[0] + " lines were bad)" : ""));
        }

        int width = options.seqLen() + 1;
        long truncated = 0;
        List<List<Example>> kept = new ArrayList<>(groups.size());
        for (List<Example> g : groups) {
            List<Example> out = new ArrayList<>(g.size());
            for (Example e : g) {
                if (e.length() > width) {
                    truncated++;
                    e = new Example(Arrays.copyOf(e.tokens(), width), Arrays.copyOf(e.loss(), width));
                }
                if (e.trainable()) out.add(e);
            }
            if (!out.isEmpty()) kept.add(out);
        }
        if (kept.isEmpty()) {
            throw CortadoException.inFile(file, "nothing to train on: every example was truncated to " + width
                    + " tokens before its first trained token (raise the sequence length)");
        }

        shuffle(kept, options.seed());
        int evalCount = evalCount(kept.size(), options.evalSplit());
        PackedData eval = Packer.pack(flatten(kept.subList(0, evalCount)), options.seqLen(), padId(tokenizer));
        PackedData train = Packer.pack(flatten(kept.subList(evalCount, kept.size())), options.seqLen(), padId(tokenizer));
        DataReport report = new DataReport(format, kept.size(), skipped[0], truncated, train.size(), eval.size(),
                train.maskedTokens(), eval.maskedTokens());
        return new DatasetSplit(train, eval, report);
    }

    /** Examples held out: the fraction rounded, at least one when asked for and there are two, never all. */
    static int evalCount(int examples, double evalSplit) {
        if (evalSplit <= 0 || examples < 2) return 0;
        long n = Math.round(examples * evalSplit);
        return (int) Math.max(1, Math.min(examples - 1, n));
    }

    /** Fisher–Yates with java.util.Random, whose sequence for a seed is fixed by its specification. */
    private static <T> void shuffle(List<T> list, long seed) {
        Random r = new Random(seed);
        for (int i = list.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    private static List<Example> flatten(List<List<Example>> groups) {
        List<Example> out = new ArrayList<>();
        for (List<Example> g : groups) out.addAll(g);
        return out;
    }

    static int padId(Tokenizer tokenizer) {
        for (String n : PAD_NAMES) {
            Integer id = tokenizer.specialTokens().get(n);
            if (id != null) return id;
        }
        Integer eos = tokenizer.eosId();
        return eos != null ? eos : 0;
    }
}
