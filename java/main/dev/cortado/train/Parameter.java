package dev.cortado.train;

import org.bytedeco.javacpp.FloatPointer;

/**
 * One trainable tensor: its values and its gradient, both native f32 buffers of {@code size}
 * floats (row-major {@code shape}), so kernels read and write them in place. {@code name} is the
 * tensor's GGUF-style name (for LoRA factors: {@code blk.0.attn_q.weight.lora_a}).
 * {@code decay} says whether AdamW applies weight decay to it (not to norms and biases).
 */
public record Parameter(String name, long[] shape, FloatPointer value, FloatPointer grad, boolean decay) {
    public long size() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
