package dev.cortado.train;

import org.bytedeco.javacpp.FloatPointer;

import java.util.List;
import java.util.SplittableRandom;

/** A toy TrainableModel for loop tests: logits = W[input] + b, softmax cross-entropy, in plain Java over native buffers. */
final class BigramModel implements TrainableModel {
    final int vocab, rows, seqLen;
    final Parameter w, b;

    BigramModel(int vocab, int rows, int seqLen, long seed) {
        this.vocab = vocab;
        this.rows = rows;
        this.seqLen = seqLen;
        w = new Parameter("w", new long[]{vocab, vocab}, new FloatPointer((long) vocab * vocab), new FloatPointer((long) vocab * vocab), true);
        b = new Parameter("b", new long[]{vocab}, new FloatPointer(vocab), new FloatPointer(vocab), false);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < w.size(); i++) w.value().put(i, (float) (r.nextGaussian() * 0.1));
        for (long i = 0; i < b.size(); i++) b.value().put(i, 0f);
        w.grad().zero();
        b.grad().zero();
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(w, b);
    }

    @Override
    public int batchRows() {
        return rows;
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public LossSum forwardBackward(Batch batch, float gradScale) {
        return run(batch, gradScale, true);
    }

    @Override
    public LossSum loss(Batch batch) {
        return run(batch, 0, false);
    }

    private LossSum run(Batch batch, float gradScale, boolean backward) {
        double sum = 0;
        long n = 0;
        float[] p = new float[vocab];
        for (int t = 0; t < batch.inputs().length; t++) {
            float m = batch.mask()[t];
            if (m <= 0) continue;
            int in = batch.inputs()[t], tg = batch.targets()[t];
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < vocab; j++) {
                p[j] = w.value().get((long) in * vocab + j) + b.value().get(j);
                max = Math.max(max, p[j]);
            }
            double z = 0;
            for (int j = 0; j < vocab; j++) z += Math.exp(p[j] - max);
            sum += -(p[tg] - max - Math.log(z));
            n++;
            if (!backward) continue;
            for (int j = 0; j < vocab; j++) {
                float g = (float) (Math.exp(p[j] - max) / z) - (j == tg ? 1f : 0f);
                g *= m * gradScale;
                long wi = (long) in * vocab + j;
                w.grad().put(wi, w.grad().get(wi) + g);
                b.grad().put(j, b.grad().get(j) + g);
            }
        }
        return new LossSum(sum, n);
    }

    /** A learnable data set: token t+1 follows token t mostly as (t * 3 + 1) % vocab, masks with some zeros. */
    static PackedData data(int vocab, int sequences, int seqLen, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] tokens = new int[sequences * (seqLen + 1)];
        float[] mask = new float[sequences * seqLen];
        for (int s = 0; s < sequences; s++) {
            int t = r.nextInt(vocab);
            for (int i = 0; i <= seqLen; i++) {
                tokens[s * (seqLen + 1) + i] = t;
                t = r.nextInt(10) == 0 ? r.nextInt(vocab) : (t * 3 + 1) % vocab;
            }
            for (int i = 0; i < seqLen; i++) mask[s * seqLen + i] = i < 2 ? 0f : 1f;
        }
        return new PackedData(seqLen, tokens, mask);
    }

    @Override
    public void close() {
        w.value().close();
        w.grad().close();
        b.value().close();
        b.grad().close();
    }
}
