package dev.cortado.model;

/**
 * How a {@link KvCache} stores keys and values. {@link #F16} (the default, as llama.cpp's) halves the
 * bytes a decode step reads per position; {@link #F32} keeps full precision and the position-major
 * layout the K/V projections write straight into.
 */
public enum KvCacheType {
    /** f32, (ctx, nKvHeads, headDim) per layer: position-major. */
    F32,
    /** f16, (nKvHeads, ctx, headDim) per layer: head-major, each head's keys one contiguous run. */
    F16
}
