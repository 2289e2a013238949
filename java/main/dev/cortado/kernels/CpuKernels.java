package dev.cortado.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * JavaCPP binding of {@code native/include/cortado/kernels.h}: the CPU kernels, linked from
 * {@code native/build/libcortado_cpu.a} into one JNI library. The methods are raw: callers check
 * every size and bound first (see {@link Kernels}), since a native out-of-bounds access kills the JVM.
 */
@Properties(value = @Platform(
        include = "cortado/kernels.h",
        // JavaCPP reverses this list on the command line: dependencies first.
        link = {"gomp", "cortado_cpu"}))
public final class CpuKernels {
    static {
        Loader.load();
    }

    private CpuKernels() {}

    public static final int ISA_GENERIC = 0;
    public static final int ISA_AVX2 = 1;

    public static native int cortado_cpu_best_isa();
    public static native int cortado_cpu_isa();
    public static native int cortado_cpu_set_isa(int isa);
    public static native int cortado_cpu_threads();

    public static native Pointer cortado_mmap_file(String path, @Cast("int64_t*") long[] size, int[] err);
    public static native int cortado_munmap(Pointer addr, long size);
    public static native void cortado_madvise_willneed(Pointer addr, long size);
    public static native void cortado_madvise_dontneed(Pointer addr, long size);
    public static native Pointer cortado_alloc_huge(long size, int[] err);
    public static native int cortado_free_huge(Pointer addr, long size);

    public static native void convert_f16_to_f32(@Cast("const uint16_t*") ShortPointer x, FloatPointer y, long n, int threads);
    public static native void convert_bf16_to_f32(@Cast("const uint16_t*") ShortPointer x, FloatPointer y, long n, int threads);
    public static native void convert_f16_to_f32(@Cast("const uint16_t*") Pointer x, FloatPointer y, long n, int threads);
    public static native void convert_bf16_to_f32(@Cast("const uint16_t*") Pointer x, FloatPointer y, long n, int threads);
    public static native void convert_f32_to_f16(FloatPointer x, @Cast("uint16_t*") ShortPointer y, long n, int threads);
    public static native void convert_f32_to_bf16(FloatPointer x, @Cast("uint16_t*") ShortPointer y, long n, int threads);

    public static native void dequantize_q8_0(@Cast("const void*") Pointer x, FloatPointer y, long n, int threads);
    public static native void dequantize_q4_0(@Cast("const void*") Pointer x, FloatPointer y, long n, int threads);
    public static native void dequantize_q4_1(@Cast("const void*") Pointer x, FloatPointer y, long n, int threads);
    public static native void dequantize_q5_0(@Cast("const void*") Pointer x, FloatPointer y, long n, int threads);
    public static native void dequantize_q5_1(@Cast("const void*") Pointer x, FloatPointer y, long n, int threads);
    public static native void dequantize_q4_k(@Cast("const void*") Pointer x, FloatPointer y, long n, int threads);
    public static native void dequantize_q5_k(@Cast("const void*") Pointer x, FloatPointer y, long n, int threads);
    public static native void dequantize_q6_k(@Cast("const void*") Pointer x, FloatPointer y, long n, int threads);

    // ---- transformer ops ----
    public static native void rmsnorm_forward_f32(FloatPointer out, FloatPointer rstd, FloatPointer x, FloatPointer w,
                                                  long T, long C, float eps, int threads);
    public static native void layernorm_forward_f32(FloatPointer out, FloatPointer mean, FloatPointer rstd, FloatPointer x,
                                                    FloatPointer w, FloatPointer b, long T, long C, float eps, int threads);
    public static native void rope_forward_f32(FloatPointer x, @Cast("const int32_t*") IntPointer pos, long T, long H, long D,
                                               float theta, float freqScale, FloatPointer freqFactors, int neox, int threads);
    public static native void attention_forward_f32(FloatPointer out, FloatPointer lse, FloatPointer q, FloatPointer k,
                                                    FloatPointer v, long T, long pos, long H, long KVH, long D, int threads);
    public static native void kv_store_f16(@Cast("uint16_t*") ShortPointer kc, @Cast("uint16_t*") ShortPointer vc, FloatPointer k,
                                           FloatPointer v, long T, long pos, long KVH, long D, long ctx, int threads);
    public static native void kv_rope_f16(@Cast("uint16_t*") ShortPointer kc, @Cast("const int32_t*") IntPointer pos, long start,
                                          long count, long KVH, long D, long ctx, float theta, float freqScale,
                                          FloatPointer freqFactors, int neox, int threads);
    public static native void attention_forward_f16kv(FloatPointer out, FloatPointer q, @Cast("const uint16_t*") ShortPointer kc,
                                                      @Cast("const uint16_t*") ShortPointer vc, long T, long pos, long H,
                                                      long KVH, long D, long ctx, int threads);
    public static native void swiglu_forward_f32(FloatPointer out, FloatPointer gate, FloatPointer up, long n, int threads);
    public static native void softmax_forward_f32(FloatPointer out, FloatPointer x, long T, long V, int threads);
    public static native void add_f32(FloatPointer out, FloatPointer a, FloatPointer b, long n, int threads);
    public static native void bias_add_forward_f32(FloatPointer y, FloatPointer b, long T, long C, int threads);
    // ---- end transformer ops ----
    // ---- matmul ----
    public static native void dequantize_nf4(@Cast("const void*") Pointer x, FloatPointer y, long rows, long C, int threads);
    public static native void matmul_forward_f32(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_backward_x_f32(@Cast("const void*") Pointer w, FloatPointer dy, FloatPointer dx, long T, long C, long OC, int threads);
    public static native void matmul_forward_f16(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_backward_x_f16(@Cast("const void*") Pointer w, FloatPointer dy, FloatPointer dx, long T, long C, long OC, int threads);
    public static native void matmul_forward_bf16(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_backward_x_bf16(@Cast("const void*") Pointer w, FloatPointer dy, FloatPointer dx, long T, long C, long OC, int threads);
    public static native void matmul_forward_q8_0(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_backward_x_q8_0(@Cast("const void*") Pointer w, FloatPointer dy, FloatPointer dx, long T, long C, long OC, int threads);
    public static native void matmul_forward_q4_0(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_backward_x_q4_0(@Cast("const void*") Pointer w, FloatPointer dy, FloatPointer dx, long T, long C, long OC, int threads);
    public static native void matmul_forward_q4_1(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_backward_x_q4_1(@Cast("const void*") Pointer w, FloatPointer dy, FloatPointer dx, long T, long C, long OC, int threads);
    public static native void matmul_forward_q5_0(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_backward_x_q5_0(@Cast("const void*") Pointer w, FloatPointer dy, FloatPointer dx, long T, long C, long OC, int threads);
    public static native void matmul_forward_q5_1(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_backward_x_q5_1(@Cast("const void*") Pointer w, FloatPointer dy, FloatPointer dx, long T, long C, long OC, int threads);
    public static native void matmul_forward_q4_k(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_backward_x_q4_k(@Cast("const void*") Pointer w, FloatPointer dy, FloatPointer dx, long T, long C, long OC, int threads);
    public static native void matmul_forward_q5_k(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_backward_x_q5_k(@Cast("const void*") Pointer w, FloatPointer dy, FloatPointer dx, long T, long C, long OC, int threads);
    public static native void matmul_forward_q6_k(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_backward_x_q6_k(@Cast("const void*") Pointer w, FloatPointer dy, FloatPointer dx, long T, long C, long OC, int threads);
    public static native void matmul_forward_nf4(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_backward_x_nf4(@Cast("const void*") Pointer w, FloatPointer dy, FloatPointer dx, long T, long C, long OC, int threads);
    public static native void matmul_forward_fused_f32(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void matmul_forward_fused_f16(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void matmul_forward_fused_bf16(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void matmul_forward_fused_q8_0(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void matmul_forward_fused_q4_0(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void matmul_forward_fused_q4_1(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void matmul_forward_fused_q5_0(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void matmul_forward_fused_q5_1(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void matmul_forward_fused_q4_k(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void matmul_forward_fused_q5_k(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void matmul_forward_fused_q6_k(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void matmul_forward_fused_nf4(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void repack_q4_0x8(@Cast("const void*") Pointer w, @Cast("void*") Pointer out, long C, long OC, int threads);
    public static native void matmul_forward_q4_0x8(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_forward_fused_q4_0x8(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void repack_q4_kx8(@Cast("const void*") Pointer w, @Cast("void*") Pointer out, long C, long OC, int threads);
    public static native void matmul_forward_q4_kx8(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_forward_fused_q4_kx8(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void repack_q8_0x8(@Cast("const void*") Pointer w, @Cast("void*") Pointer out, long C, long OC, int threads);
    public static native void matmul_forward_q8_0x8(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_forward_fused_q8_0x8(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void repack_q5_0x8(@Cast("const void*") Pointer w, @Cast("void*") Pointer out, long C, long OC, int threads);
    public static native void matmul_forward_q5_0x8(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_forward_fused_q5_0x8(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void repack_q6_kx8(@Cast("const void*") Pointer w, @Cast("void*") Pointer out, long C, long OC, int threads);
    public static native void matmul_forward_q6_kx8(@Cast("const void*") Pointer w, FloatPointer x, FloatPointer y, long T, long C, long OC, int threads);
    public static native void matmul_forward_fused_q6_kx8(@Cast("const void*") Pointer w0, @Cast("const void*") Pointer w1, @Cast("const void*") Pointer w2, FloatPointer y0, FloatPointer y1, FloatPointer y2, long oc0, long oc1, long oc2, FloatPointer x, long T, long C, int mode, int threads);
    public static native void decode_layers_forward_f16kv(FloatPointer x, long L, @Cast("const void*const*") PointerPointer<?> w,
                                                       @Cast("const int32_t*") IntPointer layouts,
                                                       @Cast("const float*const*") PointerPointer<?> vec,
                                                       @Cast("uint16_t*const*") PointerPointer<?> cache, long dim, long H,
                                                       long KVH, long D, long F, long ctx, long pos, float eps, float theta,
                                                       float freqScale, FloatPointer freqFactors, int neox, int threads);

    // ---- training (backward twins, loss, optimizer) ----
    public static native void matmul_backward_w_f32(FloatPointer dw, FloatPointer dy, FloatPointer x, long T, long C, long OC, int threads);
    public static native void rmsnorm_backward_f32(FloatPointer dx, FloatPointer dw, FloatPointer dout, FloatPointer x, FloatPointer w,
                                                   FloatPointer rstd, long T, long C, int threads);
    public static native void rope_backward_f32(FloatPointer d, @Cast("const int32_t*") IntPointer pos, long T, long H, long D,
                                                float theta, float freqScale, FloatPointer freqFactors, int neox, int threads);
    public static native void attention_backward_f32(FloatPointer dq, FloatPointer dk, FloatPointer dv, FloatPointer dout,
                                                     FloatPointer q, FloatPointer k, FloatPointer v, FloatPointer out,
                                                     FloatPointer lse, long T, long H, long KVH, long D, int threads);
    public static native void swiglu_backward_f32(FloatPointer dgate, FloatPointer dup, FloatPointer dout, FloatPointer gate,
                                                  FloatPointer up, long n, int threads);
    public static native void bias_backward_f32(FloatPointer db, FloatPointer dy, long T, long C, int threads);
    public static native void embedding_backward_f32(FloatPointer dtable, FloatPointer dout, @Cast("const int32_t*") IntPointer tokens,
                                                     long T, long C, long V, int threads);
    public static native double cross_entropy_forward_backward_f32(FloatPointer losses, FloatPointer logits,
                                                                   @Cast("const int32_t*") IntPointer targets, FloatPointer mask,
                                                                   long T, long V, float gradScale, int threads);
    public static native void adamw_f32(FloatPointer param, FloatPointer grad, FloatPointer m, FloatPointer v, long n, float lr,
                                        float beta1, float beta2, float eps, float weightDecay, long step, int threads);
    public static native double sum_squares_f32(FloatPointer x, long n, int threads);
    public static native void scale_f32(FloatPointer x, float s, long n, int threads);
    public static native void zero_f32(FloatPointer x, long n, int threads);
    // ---- end training ----
}
