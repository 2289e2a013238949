package dev.cortado.cli;

import dev.cortado.CortadoException;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.ModelWriter;
import dev.cortado.model.QuantizePolicy;
import dev.cortado.tensor.TensorType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code cortado convert --in PATH --out OUT.gguf|DIR [--type T] [--tokenizer FILE]}. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a model to GGUF (with its tokenizer and chat template) or to a Hugging Face directory.",
            "In: a llama2.c .bin, a Hugging Face directory, or a GGUF. Out: a .gguf file, or a directory",
            "(model.safetensors + config.json + tokenizer.json + tokenizer_config.json)."})
final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, paramLabel = "PATH", description = "the model to read")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "OUT.gguf, or a directory for safetensors output")
    Path out;

    @Option(names = "--type", paramLabel = "TYPE",
            description = "tensor type: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k (default: keep; safetensors: f32/f16/bf16)")
    String type;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer to carry (tokenizer.json, llama2.c tokenizer.bin, or a GGUF)")
    Path tokenizer;

    @Override
    public Integer call() {
        TensorType target = type == null ? null : parseType(type);
        boolean toDir = !out.getFileName().toString().endsWith(".gguf") || Files.isDirectory(out);
        long t0 = System.nanoTime();
        ProgressBar progress = ProgressBar.stderr();
        try (ModelFile m = ModelLoader.open(in, tokenizer)) {
            if (m.tokenizer() == null) progress.note("note: " + in + " carries no tokenizer; the output will have none (use --tokenizer)");
            ModelWriter.Report r;
            if (toDir) {
                r = ModelWriter.writeHuggingFace(m, out, target, progress);
            } else {
                if (m.config().arch() != null) m.validate();
                r = ModelWriter.writeGguf(m, out, target, progress);
            }
            System.out.printf("%s -> %s: %d tensors, %s -> %s in %.1f s%n", in, out, r.types().size(),
                    Sizes.bytes(r.bytesBefore()), Sizes.bytes(r.bytesAfter()), (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }

    static TensorType parseType(String s) {
        TensorType t = TensorType.fromName(s);
        if (t == null || !QuantizePolicy.TARGETS.contains(t)) {
            throw new CortadoException("--type " + s + ": unknown type (f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k)");
        }
        return t;
    }
}
