package dev.cortado.model;

import org.bytedeco.javacpp.FloatPointer;

/**
 * The keys and values of every position seen so far, f32, one pair of native buffers per layer,
 * each laid out (ctx, nKvHeads, headDim): position-major, so the K/V rows of T new tokens are one
 * contiguous block that the K/V projections write straight into; keys are stored after RoPE.
 * This is the layout {@code Kernels.attention} reads.
 */
public final class KvCache implements AutoCloseable {
    private final int layers;
    private final int contextLength;
    private final int kvDim;
    private final FloatPointer[] keys;
    private final FloatPointer[] values;

    KvCache(int layers, int contextLength, int kvDim) {
        this.layers = layers;
        this.contextLength = contextLength;
        this.kvDim = kvDim;
        this.keys = new FloatPointer[layers];
        this.values = new FloatPointer[layers];
        long n = (long) contextLength * kvDim;
        for (int l = 0; l < layers; l++) {
            keys[l] = new FloatPointer(n);
            values[l] = new FloatPointer(n);
        }
    }

    public int contextLength() {
        return contextLength;
    }

    public int kvDim() {
        return kvDim;
    }

    /** Layer l's keys (ctx, nKvHeads, headDim), positioned at 0. */
    FloatPointer keys(int l) {
        return keys[l];
    }

    FloatPointer values(int l) {
        return values[l];
    }

    /**
     * Moves positions [from, from + count) to [to, to + count) in every layer (for a context shift;
     * the caller re-rotates the moved keys, since RoPE is baked into them).
     */
    void move(int from, int to, int count) {
        float[] tmp = new float[count * kvDim];  // rare (a context shift): a bounce through the heap is fine
        for (int l = 0; l < layers; l++) {
            for (FloatPointer p : new FloatPointer[]{keys[l], values[l]}) {
                p.position((long) from * kvDim).get(tmp);
                p.position((long) to * kvDim).put(tmp);
                p.position(0);
            }
        }
    }

    @Override
    public void close() {
        for (int l = 0; l < layers; l++) {
            keys[l].close();
            values[l].close();
        }
    }
}
