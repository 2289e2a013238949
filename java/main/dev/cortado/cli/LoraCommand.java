package dev.cortado.cli;

import dev.cortado.CortadoException;
import dev.cortado.lora.LoraAdapter;
import dev.cortado.lora.LoraFiles;
import dev.cortado.lora.LoraMerge;
import dev.cortado.model.ModelConfig;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.tensor.TensorType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cortado lora merge|convert}: LoRA adapters (PEFT directories and llama.cpp GGUF LoRAs). */
@Command(name = "lora", mixinStandardHelpOptions = true,
        description = "LoRA adapters: merge them into a model, or convert between PEFT and GGUF.",
        subcommands = {LoraCommand.Merge.class, LoraCommand.Convert.class})
final class LoraCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** An adapter path with an optional {@code :FACTOR} suffix (the factor defaults to 1). */
    record AdapterArg(Path path, float factor) {
        static AdapterArg parse(String s) {
            int colon = s.lastIndexOf(':');
            if (colon > 0) {
                String tail = s.substring(colon + 1);
                try {
                    float f = Float.parseFloat(tail);
                    if (!Float.isFinite(f)) throw new CortadoException("--lora " + s + ": the factor " + tail + " is not a finite number");
                    return new AdapterArg(Path.of(s.substring(0, colon)), f);
                } catch (NumberFormatException e) {
                    // not a factor: a path containing ':'
                }
            }
            return new AdapterArg(Path.of(s), 1f);
        }
    }

    @Command(name = "merge", mixinStandardHelpOptions = true,
            description = {"Merge LoRA adapters into a base model: W + factor * scale * B*A for each target weight.",
                "Quantized weights are dequantized, updated in fp32 and quantized again; the error that adds is printed.",
                "Weights no adapter touches are copied as they are."})
    static final class Merge implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "BASE", description = "the base model (GGUF, Hugging Face directory, llama2.c)")
        Path model;

        @Option(names = "--lora", required = true, paramLabel = "PATH[:FACTOR]",
                description = "an adapter (PEFT directory or GGUF LoRA), optionally with a factor (default 1); repeatable")
        List<String> loras = new ArrayList<>();

        @Option(names = "--out", required = true, paramLabel = "OUT.gguf", description = "the merged model to write")
        Path out;

        @Option(names = "--type", paramLabel = "TYPE", defaultValue = "same",
                description = "type of the merged weights: same (each keeps its type), f32, f16, bf16, q8_0, q4_0, …, q6_k")
        String type;

        @Override
        public Integer call() {
            TensorType target = type.equalsIgnoreCase("same") ? null : ConvertCommand.parseType(type);
            long t0 = System.nanoTime();
            try (ModelFile base = ModelLoader.open(model)) {
                if (base.config().arch() != null) base.validate();
                List<LoraMerge.Weighted> adapters = new ArrayList<>();
                for (String s : loras) {
                    AdapterArg arg = AdapterArg.parse(s);
                    adapters.add(new LoraMerge.Weighted(LoraFiles.open(arg.path(), base.config()), arg.factor()));
                }
                LoraMerge.Report r = LoraMerge.merge(base, adapters, target, out, ProgressBar.stderr());
                for (LoraMerge.Merged m : r.merged()) {
                    System.out.printf("  %-28s %-5s requantization error %.3g (relative RMS)%n", m.name(), m.type().lowerName(), m.requantError());
                }
                System.out.printf("%s + %d adapter(s) -> %s: %d tensors merged, %d copied in %.1f s%n", model, adapters.size(), out,
                        r.merged().size(), r.copied(), (System.nanoTime() - t0) / 1e9);
            }
            return 0;
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = {"Convert a LoRA adapter between a PEFT directory and a llama.cpp GGUF LoRA.",
                "PEFT -> GGUF: OUT ends in .gguf; GGUF -> PEFT: OUT is a directory.",
                "Q/K adapters need the base's head counts: from --base, or the GGUF adapter's metadata."})
    static final class Convert implements Callable<Integer> {
        @Option(names = "--in", required = true, paramLabel = "PATH", description = "the adapter: a PEFT directory or a GGUF LoRA")
        Path in;

        @Option(names = "--out", required = true, paramLabel = "PATH", description = "OUT.gguf, or a directory for PEFT output")
        Path out;

        @Option(names = "--base", paramLabel = "MODEL", description = "the base model (only its hyper-parameters are read)")
        Path base;

        @Option(names = "--type", paramLabel = "TYPE", description = "f32, f16 or bf16 (default: as stored)")
        String type;

        @Override
        public Integer call() {
            TensorType t = type == null ? null : ConvertCommand.parseType(type);
            ModelConfig config = null;
            if (base != null) {
                try (ModelFile m = ModelLoader.open(base)) {
                    config = m.config();
                }
            }
            LoraAdapter a = LoraFiles.convert(in, out, config, t);
            System.out.printf("%s -> %s: %d LoRA pairs, rank %s, alpha %s%s%n", in, out, a.tensors().size(),
                    a.rank() > 0 ? String.valueOf(a.rank()) : "mixed", a.alpha(), a.rsLora() ? " (rsLoRA)" : "");
            return 0;
        }
    }
}
