package dev.cortado.cli;

import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.ModelWriter;
import dev.cortado.tensor.TensorType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code cortado quantize IN.gguf OUT.gguf --type T}: as llama.cpp's llama-quantize does. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Quantize a model's matrices; norms and other 1-D tensors stay F32, as in llama.cpp.",
            "The output projection gets Q6_K (Q8_0 when its rows are not a multiple of 256)."})
final class QuantizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "the model to quantize (GGUF, or any format Cortado reads)")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT.gguf", description = "the quantized GGUF to write")
    Path out;

    @Option(names = "--type", required = true, paramLabel = "TYPE", description = "q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k (or f16, bf16, f32)")
    String type;

    @Override
    public Integer call() {
        TensorType target = ConvertCommand.parseType(type);
        long t0 = System.nanoTime();
        try (ModelFile m = ModelLoader.open(in)) {
            if (m.config().arch() != null) m.validate();
            ModelWriter.Report r = ModelWriter.writeGguf(m, out, target, ProgressBar.stderr());
            Map<TensorType, Integer> counts = new TreeMap<>();
            for (TensorType t : r.types().values()) counts.merge(t, 1, Integer::sum);
            StringBuilder mix = new StringBuilder();
            counts.forEach((t, n) -> mix.append(mix.length() > 0 ? ", " : "").append(n).append(" ").append(t.lowerName()));
            System.out.printf("%s: %s -> %s: %s (%.2fx smaller) in %.1f s; tensors: %s%n", in, out.getFileName(), target.lowerName(),
                    Sizes.bytes(r.bytesBefore()) + " -> " + Sizes.bytes(r.bytesAfter()),
                    r.bytesBefore() / (double) Math.max(1, r.bytesAfter()), (System.nanoTime() - t0) / 1e9, mix);
        }
        return 0;
    }
}
