package dev.cortado.cli;

import dev.cortado.CortadoException;
import dev.cortado.kernels.Kernels;
import dev.cortado.model.Generator;
import dev.cortado.model.KvCacheType;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.Sampler;
import dev.cortado.model.Transformer;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cortado generate}: text completion, streamed to stdout token by token. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue a prompt with a model (GGUF, Hugging Face directory or llama2.c checkpoint).",
            "stdout gets only text: the prompt (echoed, as llama2.c and llama.cpp's completion print it; "
                    + "--no-echo leaves it out), then the continuation as it is generated, then a newline. "
                    + "Timing goes to stderr.",
            "--temp 0 is greedy decoding. Sampling follows llama.cpp: repetition penalty, top-k, top-p, min-p, temperature."})
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "PATH", description = "the model")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH", description = "tokenizer.json, llama2.c tokenizer.bin or a GGUF (default: the model's own)")
    Path tokenizer;

    @CommandLine.Mixin
    SamplingOptions sampling;

    @Option(names = {"--prompt", "-p"}, paramLabel = "TEXT", defaultValue = "", description = "the prompt (default: empty, i.e. BOS only)")
    String prompt;

    @Option(names = "-n", paramLabel = "N", defaultValue = "256", description = "new tokens to generate, after the prompt (llama2.c's -n counts positions instead: its steps = prompt tokens - 1 + N) (default: ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "kernel threads; 0 = all cores (default)")
    int threads;

    @Option(names = "--ctx", paramLabel = "N", defaultValue = "0", description = "context length; 0 = the model's (default)")
    int ctx;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "128", description = "prompt tokens per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--kv-type", paramLabel = "TYPE", defaultValue = "f16", converter = KvTypeConverter.class,
            description = KvTypeConverter.DESCRIPTION)
    KvCacheType kvType;

    @Option(names = "--no-bos", description = "do not prepend BOS to the prompt")
    boolean noBos;

    @Option(names = "--no-echo", description = "print only the continuation, not the prompt")
    boolean noEcho;

    @Option(names = "--context-shift", description = "when the context is full, drop the older half (after BOS) and go on instead of stopping")
    boolean contextShift;

    @Option(names = "--lora", paramLabel = "PATH[:FACTOR]", description = LoraOption.DESCRIPTION)
    List<String> loras = new ArrayList<>();

    @Override
    public Integer call() {
        if (threads < 0) throw new CortadoException("--threads must be >= 0");
        if (n < 0) throw new CortadoException("-n must be >= 0");
        if (threads > 0) Kernels.setThreads(threads);
        Sampler.Settings settings = sampling.settings();
        try (ModelFile f = ModelLoader.open(model, tokenizer); Transformer t = new Transformer(f, ctx, batch, kvType)) {
            LoraOption.apply(loras, f, t);
            Tokenizer tok = Tokenizers.of(f.tokenizer());
            int[] ids = tok.encodeForModel(prompt);
            if (noBos && ids.length > 0 && tok.bosId() != null && ids[0] == tok.bosId()) ids = Arrays.copyOfRange(ids, 1, ids.length);
            Generator g = new Generator(t, tok, new Sampler(settings)).contextShift(contextShift, ids.length > 0 && tok.bosId() != null && ids[0] == tok.bosId() ? 1 : 0);
            int promptLength = ids.length;
            Generator.Result r = g.generate(ids, n, !noEcho, (token, text) -> {
                if (text.isEmpty()) return;
                byte[] b = text.getBytes(StandardCharsets.UTF_8);
                System.out.write(b, 0, b.length);
                System.out.flush();
            });
            System.out.write('\n');
            System.out.flush();
            System.err.printf("prompt: %d tokens, %.1f tok/s; generated: %d tokens, %.1f tok/s (%d threads, %s)%s%n",
                    promptLength, r.promptTokensPerSecond(), r.generated().length, r.generateTokensPerSecond(),
                    Kernels.threads(), Kernels.isa(),
                    r.stop() == Generator.Stop.CONTEXT_FULL ? "; stopped: the context of " + t.contextLength()
                            + " tokens is full (use --ctx or --context-shift)" : "");
        }
        return 0;
    }
}
