package dev.cortado.train;

import java.util.SplittableRandom;

/**
 * The train sequences as an endless stream of epochs, each a shuffle derived only from
 * {@code (seed, epoch)}: the position in the data is just {@code (epoch, index)}, so a checkpoint
 * stores two numbers and a resumed run draws exactly the batches the uninterrupted one would have.
 */
public final class DataStream {
    /** Where the stream stands: the next sequence is {@code order(epoch)[index]}. */
    public record Position(int epoch, int index) {}

    private final PackedData data;
    private final long seed;
    private int epoch;
    private int index;
    private int[] order;

    public DataStream(PackedData data, long seed, Position start) {
        if (data.size() == 0) throw new IllegalArgumentException("no train sequences");
        if (start.index < 0 || start.index > data.size() || start.epoch < 0) throw new IllegalArgumentException("bad data position " + start);
        this.data = data;
        this.seed = seed;
        this.epoch = start.epoch;
        this.index = start.index;
        this.order = order(data.size(), seed, epoch);
    }

    /** The shuffle of epoch {@code epoch}: Fisher–Yates driven by a generator seeded from (seed, epoch). */
    public static int[] order(int n, long seed, int epoch) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) o[i] = i;
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + 1);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
        return o;
    }

    public Position position() {
        return new Position(epoch, index);
    }

    /** Epochs done so far as a fraction (for logs). */
    public double epochProgress() {
        return epoch + (double) index / data.size();
    }

    /** The next {@code rows} sequences as a batch, crossing into the next epoch when needed. */
    public Batch next(int rows) {
        int seqLen = data.seqLen();
        int[] in = new int[rows * seqLen], tg = new int[rows * seqLen];
        float[] m = new float[rows * seqLen];
        for (int r = 0; r < rows; r++) {
            if (index == data.size()) {
                epoch++;
                index = 0;
                order = order(data.size(), seed, epoch);
            }
            data.copyTo(order[index++], in, tg, m, r);
        }
        return new Batch(rows, seqLen, in, tg, m);
    }
}
