package dev.cortado.model;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * The keys and values of every position seen so far, one pair of native buffers per layer; keys are
 * stored after RoPE. {@link KvCacheType#F32}: f32 laid out (ctx, nKvHeads, headDim), position-major,
 * so the K/V rows of T new tokens are one contiguous block that the K/V projections write straight
 * into ({@code Kernels.attention} reads it). {@link KvCacheType#F16}: f16 laid out (nKvHeads, ctx,
 * headDim), head-major, written by {@code Kernels.kvStoreF16} and read by {@code Kernels.attentionF16Kv}.
 */
public final class KvCache implements AutoCloseable {
    private final KvCacheType type;
    private final int layers;
    private final int contextLength;
    private final int kvHeads;
    private final int headDim;
    private final int kvDim;
    private final FloatPointer[] keys, values;        // F32
    private final ShortPointer[] keys16, values16;    // F16

    KvCache(KvCacheType type, int layers, int contextLength, int kvHeads, int headDim) {
        this.type = type;
        this.layers = layers;
        this.contextLength = contextLength;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvDim = kvHeads * headDim;
        long n = (long) contextLength * kvDim;
        boolean f32 = type == KvCacheType.F32;
        keys = f32 ? new FloatPointer[layers] : null;
        values = f32 ? new FloatPointer[layers] : null;
        keys16 = f32 ? null : new ShortPointer[layers];
        values16 = f32 ? null : new ShortPointer[layers];
        for (int l = 0; l < layers; l++) {
            if (f32) {
                keys[l] = new FloatPointer(n);
                values[l] = new FloatPointer(n);
            } else {
                keys16[l] = new ShortPointer(n);
                values16[l] = new ShortPointer(n);
            }
        }
    }

    public KvCacheType type() {
        return type;
    }

    public int contextLength() {
        return contextLength;
    }

    public int kvDim() {
        return kvDim;
    }

    /** Layer l's f32 keys (ctx, nKvHeads, headDim), positioned at 0 (F32 caches only). */
    FloatPointer keys(int l) {
        return keys[l];
    }

    FloatPointer values(int l) {
        return values[l];
    }

    /** Layer l's f16 keys (nKvHeads, ctx, headDim), positioned at 0 (F16 caches only). */
    ShortPointer keys16(int l) {
        return keys16[l];
    }

    ShortPointer values16(int l) {
        return values16[l];
    }

    /**
     * Moves positions [from, from + count) to [to, to + count) in every layer (for a context shift;
     * the caller re-rotates the moved keys, since RoPE is baked into them).
     */
    void move(int from, int to, int count) {
        if (from < 0 || to < 0 || count < 0 || (long) Math.max(from, to) + count > contextLength) {
            throw new IllegalArgumentException("cache move " + from + " -> " + to + " of " + count + " positions outside ctx " + contextLength);
        }
        if (count == 0 || from == to) return;
        // rare (a context shift): a bounce through the heap is fine
        if (type == KvCacheType.F32) {
            float[] tmp = new float[count * kvDim];
            for (int l = 0; l < layers; l++) {
                for (FloatPointer p : new FloatPointer[]{keys[l], values[l]}) {
                    p.position((long) from * kvDim).get(tmp);
                    p.position((long) to * kvDim).put(tmp);
                    p.position(0);
                }
            }
        } else {
            short[] tmp = new short[count * headDim];  // one head's run of positions
            for (int l = 0; l < layers; l++) {
                for (ShortPointer p : new ShortPointer[]{keys16[l], values16[l]}) {
                    for (int g = 0; g < kvHeads; g++) {
                        long head = (long) g * contextLength;
                        p.position((head + from) * headDim).get(tmp);
                        p.position((head + to) * headDim).put(tmp);
                    }
                    p.position(0);
                }
            }
        }
    }

    @Override
    public void close() {
        for (Pointer[] ps : new Pointer[][]{keys, values, keys16, values16}) {
            if (ps == null) continue;
            for (Pointer p : ps) p.close();
        }
    }
}
