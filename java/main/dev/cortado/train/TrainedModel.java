package dev.cortado.train;

import dev.cortado.Progress;
import dev.cortado.model.ModelConfig;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelWriter;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import dev.cortado.tokenizer.TokenizerData;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The weights of a fully trained model ({@link TrainModel#full}) as a model file: each parameter,
 * named with its GGUF tensor name, copied out of its native buffer into an F32 tensor, with the
 * config and tokenizer it was trained with. {@link #writeGguf} writes it atomically, so a reader
 * never sees half a file.
 */
public final class TrainedModel {
    private TrainedModel() {}

    /** An in-memory model of the parameters' current values (copies: training may go on). */
    public static ModelFile snapshot(Path label, ModelConfig config, TokenizerData tokenizer, List<Parameter> params) {
        List<Tensor> tensors = new ArrayList<>(params.size());
        for (Parameter p : params) {
            float[] v = new float[Math.toIntExact(p.size())];
            p.value().position(0).get(v);
            tensors.add(Tensor.ofFloats(p.name(), TensorType.F32, p.shape(), v));
        }
        return ModelFile.inMemory(label, config, tensors, tokenizer).validate();
    }

    /** Writes the parameters' current values to {@code out} as an F32 GGUF. */
    public static void writeGguf(Path out, ModelConfig config, TokenizerData tokenizer, List<Parameter> params) {
        try (ModelFile m = snapshot(out, config, tokenizer, params)) {
            ModelWriter.writeGguf(m, out, null, Progress.NONE);
        }
    }
}
