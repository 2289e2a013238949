package dev.cortado.cli;

import dev.cortado.CortadoException;
import dev.cortado.lora.LoraAdapter;
import dev.cortado.lora.LoraFiles;
import dev.cortado.model.ModelConfig;
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
            "(model.safetensors + config.json + tokenizer.json + tokenizer_config.json).",
            "A LoRA adapter (a PEFT directory, or a GGUF LoRA) is converted to the other format: OUT.gguf makes a",
            "GGUF LoRA, a directory a PEFT adapter; --base MODEL gives the head counts Q/K factors need",
            "(a GGUF LoRA carries them; a PEFT adapter does not). --type: f32, f16 or bf16 for adapters."})
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

    @Option(names = "--base", paramLabel = "MODEL", description = "for a LoRA adapter: its base model (only the hyper-parameters are read)")
    Path base;

    @Override
    public Integer call() {
        TensorType target = type == null ? null : parseType(type);
        if (LoraFiles.isAdapter(in)) return convertAdapter(target);
        if (base != null) throw new CortadoException("--base is for converting LoRA adapters, and " + in + " is not one");
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

    /** A LoRA adapter to the other format (see LoraFiles.convert). */
    private int convertAdapter(TensorType target) {
        if (tokenizer != null) throw new CortadoException("--tokenizer does not apply to a LoRA adapter");
        ModelConfig config = null;
        if (base != null) {
            try (ModelFile m = ModelLoader.open(base)) {
                config = m.config();
            }
        }
        LoraAdapter a = LoraFiles.convert(in, out, config, target);
        System.out.printf("%s -> %s: LoRA adapter, %d pairs, rank %s, alpha %s%s%n", in, out, a.tensors().size(),
                a.rank() > 0 ? String.valueOf(a.rank()) : "mixed", a.alpha(), a.rsLora() ? " (rsLoRA)" : "");
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
