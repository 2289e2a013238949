package dev.cortado.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.cortado.CortadoException;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import dev.cortado.tokenizer.spm.SentencePieceBpe;
import dev.cortado.tokenizer.wpm.WordPiece;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code cortado tokenize --tokenizer NAME_OR_PATH [--ids|--count|--pieces|--offsets] [--bos]
 * [--allow-special] [--lines] [--text TEXT]}: text to token ids, one output line per input.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Encode text with a tokenizer and print the ids (or their count, pieces or offsets).",
            "The input is --text, else all of standard input as ONE text (with --lines: each line is a text,",
            "without its line break). Invalid UTF-8 on standard input becomes U+FFFD.",
            "Special-token text (\"<s>\", \"<|endoftext|>\") is encoded as ordinary text unless --allow-special."})
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--tokenizer", required = true, paramLabel = "NAME_OR_PATH",
            description = "a tiktoken name (r50k_base, p50k_base, p50k_edit, cl100k_base, o200k_base), a .tiktoken file, "
                    + "a tokenizer.json or a directory holding one, a .gguf, a llama2.c tokenizer.bin[:VOCAB_SIZE], or a model")
    String tokenizer;

    @Option(names = "--ids", description = "print a JSON array of ids per input (the default)")
    boolean ids;

    @Option(names = "--count", description = "print the number of tokens per input")
    boolean count;

    @Option(names = "--pieces", description = "print a JSON array of the tokens' pieces as the vocabulary stores them")
    boolean pieces;

    @Option(names = "--offsets", description = "print a JSON array of [start, end) char offsets into the input, one per token")
    boolean offsets;

    @Option(names = "--bos", description = "add what the model expects around the text (BOS; [CLS] … [SEP] for BERT), when the tokenizer adds it")
    boolean bos;

    @Option(names = "--allow-special", description = "recognise special tokens written in the text (default: encode them as plain text)")
    boolean allowSpecial;

    @Option(names = "--lines", description = "each line of standard input is one input")
    boolean lines;

    @Option(names = "--text", paramLabel = "TEXT", description = "the text to encode (instead of standard input)")
    String text;

    @Override
    public Integer call() throws IOException {
        int modes = (ids ? 1 : 0) + (count ? 1 : 0) + (pieces ? 1 : 0) + (offsets ? 1 : 0);
        if (modes > 1) throw new CortadoException("give at most one of --ids, --count, --pieces, --offsets");
        if (text != null && lines) throw new CortadoException("--lines splits standard input; it does not go with --text");
        Tokenizer t = Tokenizers.load(tokenizer);
        List<String> inputs = text != null ? List.of(text) : readStdin();
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        for (String input : inputs) out.println(render(t, input));
        out.flush();
        return 0;
    }

    private List<String> readStdin() throws IOException {
        String all = decodeUtf8(System.in.readAllBytes());
        if (!lines) return List.of(all);
        List<String> out = new ArrayList<>(Arrays.asList(all.split("\r?\n", -1)));
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) out.remove(out.size() - 1);  // the last line's break
        return out;
    }

    /** UTF-8 with each malformed sequence replaced by U+FFFD. */
    static String decodeUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException(e);  // cannot happen with REPLACE
        }
    }

    private String render(Tokenizer t, String input) {
        Tokenizer.Encoding e = allowSpecial ? t.encodeWithOffsets(input) : ordinaryWithOffsets(t, input);
        int[] tokenIds = e.ids(), starts = e.starts(), ends = e.ends();
        if (bos) {
            // what the model adds around any text: encodeForModel of the empty text, BOS first, the rest after
            int[] wrap = t.encodeForModel("");
            int lead = wrap.length > 0 && t.bosId() != null && wrap[0] == t.bosId() ? 1 : 0;
            int n = tokenIds.length, total = n + wrap.length;
            int[] i2 = new int[total], s2 = new int[total], e2 = new int[total];
            for (int k = 0; k < lead; k++) i2[k] = wrap[k];
            System.arraycopy(tokenIds, 0, i2, lead, n);
            System.arraycopy(starts, 0, s2, lead, n);
            System.arraycopy(ends, 0, e2, lead, n);
            for (int k = lead; k < wrap.length; k++) {
                i2[n + k] = wrap[k];
                s2[n + k] = e2[n + k] = input.length();
            }
            tokenIds = i2;
            starts = s2;
            ends = e2;
        }
        StringBuilder sb = new StringBuilder();
        if (count) return String.valueOf(tokenIds.length);
        sb.append('[');
        for (int k = 0; k < tokenIds.length; k++) {
            if (k > 0) sb.append(',');
            if (pieces) sb.append('"').append(JsonStringEncoder.getInstance().quoteAsString(t.piece(tokenIds[k]))).append('"');
            else if (offsets) sb.append('[').append(starts[k]).append(',').append(ends[k]).append(']');
            else sb.append(tokenIds[k]);
        }
        return sb.append(']').toString();
    }

    /** Ids with special-token text as plain text, with offsets. */
    private static Tokenizer.Encoding ordinaryWithOffsets(Tokenizer t, String input) {
        if (t instanceof SentencePieceBpe s) return s.encodeWithOffsets(input, Set.of());
        if (t instanceof WordPiece w) return w.encodeWithOffsets(input, Set.of());
        // Other tokenizers give offsets with specials recognised; they are the same where no special text occurs.
        Tokenizer.Encoding withSpecials = t.encodeWithOffsets(input);
        int[] plain = t.encodeOrdinary(input);
        if (Arrays.equals(plain, withSpecials.ids())) return withSpecials;
        throw new CortadoException("this tokenizer gives offsets only with special tokens recognised (add --allow-special)");
    }
}
