package dev.cortado.lora;

import dev.cortado.CortadoException;
import dev.cortado.Progress;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.gguf.GgufWriter;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelWriter;
import dev.cortado.model.QuantizePolicy;
import dev.cortado.model.ScratchFile;
import dev.cortado.tensor.Codecs;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Merges LoRA adapters into a base model and writes the result as GGUF:
 * {@code W' = W + Σ factor·scale·B·A} per target weight. A quantized weight is dequantized, the
 * update added in floating point (each element's sum is taken in double and rounded once to fp32),
 * and the result quantized again — to the weight's own type, or to {@code --type} (through
 * {@link QuantizePolicy}, so a row length the type cannot hold falls back as in quantize); the error
 * that last step adds is measured per tensor. Weights no adapter touches (or touched only with factor
 * 0) are copied byte for byte. Converted tensors pass through a scratch file, so memory holds one
 * tensor at a time, and the output appears atomically: a failure leaves no partial file.
 */
public final class LoraMerge {
    private LoraMerge() {}

    /** One adapter and the user's factor for it. */
    public record Weighted(LoraAdapter adapter, float factor) {}

    /**
     * One merged tensor: its output type and the requantization error, the relative RMS
     * {@code ||q(W') - W'|| / ||W'||} of the stored merged weight against the fp32 merged weight (0 for F32).
     */
    public record Merged(String name, TensorType type, int adapters, double requantError) {}

    /** What a merge did: the merged tensors in file order and how many were copied untouched. */
    public record Report(List<Merged> merged, int copied) {}

    /**
     * Merges {@code adapters} into {@code base} and writes {@code out}. {@code target} null keeps each
     * merged weight's type; every adapter is checked against the base before anything is written.
     */
    public static Report merge(ModelFile base, List<Weighted> adapters, TensorType target, Path out, Progress progress) {
        for (Weighted w : adapters) {
            if (!Float.isFinite(w.factor())) throw new CortadoException("LoRA factor " + w.factor() + " is not a finite number");
            w.adapter().validateAgainst(base);
        }
        if (target != null && !QuantizePolicy.TARGETS.contains(target)) {
            throw new CortadoException("--type " + target.lowerName() + ": cannot write merged weights of that type");
        }
        GgufMetadata md = ModelWriter.ggufMetadata(base, null);
        boolean tied = base.config().tiedEmbeddings();
        List<Merged> merged = new ArrayList<>();
        int copied = 0;
        try (ScratchFile scratch = new ScratchFile(out)) {
            List<Tensor> outTensors = new ArrayList<>();
            List<Integer> scratchIndex = new ArrayList<>();
            progress.start("merging into " + base.path().getFileName(), base.tensorBytes(), "B");
            for (Tensor t : base.tensors().values()) {
                List<Weighted> touching = new ArrayList<>();
                for (Weighted w : adapters) if (w.factor() != 0 && w.adapter().tensors().containsKey(t.name())) touching.add(w);
                if (touching.isEmpty()) {
                    copied++;
                    outTensors.add(t.isMapped() ? t : null);
                    scratchIndex.add(t.isMapped() ? -1 : scratch.add(t));
                } else {
                    TensorType type = target == null ? t.type() : QuantizePolicy.typeFor(t, target, tied);
                    float[] w = mergedWeights(base.path(), t, touching);
                    Result r = store(t, type, w);
                    merged.add(new Merged(t.name(), type, touching.size(), r.error));
                    outTensors.add(null);
                    scratchIndex.add(scratch.add(r.tensor));
                }
                progress.advance(t.byteSize());
            }
            progress.finish();
            List<Tensor> converted = scratch.tensors();
            for (int i = 0; i < outTensors.size(); i++) {
                if (scratchIndex.get(i) >= 0) outTensors.set(i, converted.get(scratchIndex.get(i)));
            }
            GgufWriter.write(out, md, outTensors);
        }
        return new Report(merged, copied);
    }

    /** {@code W + Σ factor·scale·B·A} in fp32 (each element summed in double, rounded once). */
    static float[] mergedWeights(Path file, Tensor t, List<Weighted> adapters) {
        if (t.elementCount() > LoraAdapter.MAX_ELEMENTS) {
            throw CortadoException.inFile(file, "tensor " + t.name() + " has " + t.elementCount() + " elements, too many to merge in one piece");
        }
        if (Codecs.of(t.type()) == null) throw CortadoException.inFile(file, "tensor " + t.name() + " is " + t.type() + ", which Cortado cannot dequantize");
        float[] w = t.toFloats();
        int out = (int) t.dim(0);
        int in = (int) t.dim(1);
        int n = adapters.size();
        float[][] as = new float[n][];
        float[][] bs = new float[n][];
        int[] ranks = new int[n];
        double[] coef = new double[n];
        for (int k = 0; k < n; k++) {
            LoraAdapter.Pair p = adapters.get(k).adapter().tensors().get(t.name());
            as[k] = p.a().toFloats();
            bs[k] = p.b().toFloats();
            ranks[k] = p.rank();
            coef[k] = adapters.get(k).factor() * adapters.get(k).adapter().scale(p);
        }
        IntStream.range(0, out).parallel().forEach(o -> {
            double[] total = new double[in];
            double[] prod = new double[in];
            for (int k = 0; k < n; k++) {
                java.util.Arrays.fill(prod, 0);
                float[] a = as[k];
                int r = ranks[k];
                for (int j = 0; j < r; j++) {
                    double b = bs[k][o * r + j];
                    int row = j * in;
                    for (int i = 0; i < in; i++) prod[i] += b * a[row + i];
                }
                for (int i = 0; i < in; i++) total[i] += coef[k] * prod[i];
            }
            int row = o * in;
            for (int i = 0; i < in; i++) w[row + i] = (float) (w[row + i] + total[i]);
        });
        return w;
    }

    private record Result(Tensor tensor, double error) {}

    /** {@code values} stored as {@code type}, with the relative RMS error that adds. */
    private static Result store(Tensor t, TensorType type, float[] values) {
        int rowLength = (int) t.dim(t.rank() - 1);
        ByteBuffer bytes = Codecs.quantizeRows(type, values, rowLength);
        if (type == TensorType.F32) return new Result(Tensor.ofBytes(t.name(), type, t.shape(), bytes), 0);
        float[] back = Codecs.dequantizeRows(type, bytes, 0, values.length / rowLength, rowLength);
        return new Result(Tensor.ofBytes(t.name(), type, t.shape(), bytes), relativeRms(values, back));
    }

    /** {@code ||got - want|| / ||want||}; 0 when both are zero. */
    public static double relativeRms(float[] want, float[] got) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < want.length; i++) {
            double d = (double) got[i] - want[i];
            num += d * d;
            den += (double) want[i] * want[i];
        }
        return den == 0 ? (num == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(num / den);
    }
}
