package dev.cortado.cli;

import dev.cortado.CortadoException;
import dev.cortado.io.Npy;
import dev.cortado.kernels.Kernels;
import dev.cortado.model.KvCacheType;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.Transformer;
import dev.cortado.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cortado logits}: the model's logits at every position, as a NumPy file. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = {"Run a model over token ids (or a prompt) and write the float32 logits of every position",
            "as a [T, vocab] NumPy .npy file (for comparing against other implementations)."})
final class LogitsCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "PATH", description = "the model")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer override (for --prompt)")
    Path tokenizer;

    @Option(names = "--tokens", paramLabel = "IDS", split = ",", description = "comma-separated token ids, e.g. 1,2,3")
    int[] tokens;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "text to encode (with BOS) instead of --tokens")
    String prompt;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", description = "where to write the logits")
    Path out;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "kernel threads; 0 = all cores (default)")
    int threads;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "tokens per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--kv-type", paramLabel = "TYPE", defaultValue = "f16", converter = KvTypeConverter.class,
            description = KvTypeConverter.DESCRIPTION)
    KvCacheType kvType;

    @Option(names = "--lora", paramLabel = "PATH[:FACTOR]", description = LoraOption.DESCRIPTION)
    List<String> loras = new ArrayList<>();

    @Override
    public Integer call() {
        if ((tokens == null) == (prompt == null)) throw new CortadoException("give either --tokens or --prompt");
        if (threads < 0) throw new CortadoException("--threads must be >= 0");
        if (threads > 0) Kernels.setThreads(threads);
        try (ModelFile f = ModelLoader.open(model, tokenizer); Transformer t = new Transformer(f, 0, batch, kvType)) {
            LoraOption.apply(loras, f, t);
            int[] ids = tokens != null ? tokens : Tokenizers.of(f.tokenizer()).encodeForModel(prompt);
            if (ids.length == 0) throw new CortadoException("no tokens to run");
            if (ids.length > t.contextLength()) {
                throw new CortadoException(ids.length + " tokens do not fit the model's context of " + t.contextLength());
            }
            for (int id : ids) {
                if (id < 0 || id >= t.vocabSize()) throw new CortadoException("token id " + id + " is outside the vocabulary (" + t.vocabSize() + ")");
            }
            float[] logits = new float[Math.multiplyExact(ids.length, t.vocabSize())];
            t.forwardAll(ids, 0, logits);
            Npy.writeFloats(out, new long[]{ids.length, t.vocabSize()}, logits);
            System.err.printf("%s: logits [%d, %d] for %s%n", out, ids.length, t.vocabSize(),
                    ids.length <= 16 ? Arrays.toString(ids) : ids.length + " tokens");
        }
        return 0;
    }
}
