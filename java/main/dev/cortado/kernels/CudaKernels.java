package dev.cortado.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * JavaCPP binding of {@code native/include/cortado/cuda.h}. Its JNI library is separate from the
 * CPU one and is loaded only when this class is first touched, i.e. only when a GPU is asked for;
 * built without nvcc it is a stub that reports no devices.
 *
 * <p>Tensor arguments are DEVICE addresses (from {@link #cortado_cuda_malloc}), passed as plain
 * {@link Pointer}s: JavaCPP must not read or bound them as host memory. {@code stream} is a
 * cudaStream_t ({@code null} = the default stream). Functions returning int give 0 or a CUDA error
 * code; {@link #cortado_cuda_last_error} says what failed. No checks happen here: see {@link Cuda}.
 */
@Properties(value = @Platform(
        include = "cortado/cuda.h",
        // reversed on the command line: the CUDA runtime's system dependencies come last
        link = {"rt", "dl", "pthread", "cortado_cuda"}))
public final class CudaKernels {
    static {
        Loader.load();
    }

    private CudaKernels() {}

    public static native int cortado_cuda_compiled();
    public static native int cortado_cuda_device_count();
    public static native int cortado_cuda_device_name(int device, @Cast("char*") BytePointer buf, long len);
    public static native @Cast("const char*") BytePointer cortado_cuda_last_error();
    public static native int cortado_cuda_set_device(int device);
    public static native int cortado_cuda_mem_info(@Cast("int64_t*") LongPointer freeBytes, @Cast("int64_t*") LongPointer totalBytes);
    public static native int cortado_cuda_synchronize();

    // ---- memory (device pointers; host pointers where named host) ----
    public static native Pointer cortado_cuda_malloc(long bytes);
    public static native int cortado_cuda_free(Pointer p);
    public static native int cortado_cuda_memcpy_h2d(Pointer dst, @Cast("const void*") Pointer hostSrc, long bytes, Pointer stream);
    public static native int cortado_cuda_memcpy_d2h(Pointer hostDst, @Cast("const void*") Pointer src, long bytes, Pointer stream);
    public static native int cortado_cuda_memcpy_d2d(Pointer dst, @Cast("const void*") Pointer src, long bytes, Pointer stream);
    public static native int cortado_cuda_memset(Pointer dst, int value, long bytes, Pointer stream);

    // ---- streams and events ----
    public static native Pointer cortado_cuda_stream_create();
    public static native int cortado_cuda_stream_destroy(Pointer stream);
    public static native int cortado_cuda_stream_synchronize(Pointer stream);
    public static native Pointer cortado_cuda_event_create();
    public static native int cortado_cuda_event_destroy(Pointer event);
    public static native int cortado_cuda_event_record(Pointer event, Pointer stream);
    public static native int cortado_cuda_event_synchronize(Pointer event);
    public static native int cortado_cuda_event_elapsed_ms(Pointer start, Pointer end, FloatPointer hostMs);

    // ---- kernels (device pointers) ----
    public static native int cuda_matmul_forward_f32(@Cast("const void*") Pointer w, @Cast("const float*") Pointer x, @Cast("float*") Pointer y, long T, long C, long OC, Pointer stream);
    public static native int cuda_matmul_forward_f16(@Cast("const void*") Pointer w, @Cast("const float*") Pointer x, @Cast("float*") Pointer y, long T, long C, long OC, Pointer stream);
    public static native int cuda_matmul_forward_bf16(@Cast("const void*") Pointer w, @Cast("const float*") Pointer x, @Cast("float*") Pointer y, long T, long C, long OC, Pointer stream);
    public static native int cuda_matmul_forward_q8_0(@Cast("const void*") Pointer w, @Cast("const float*") Pointer x, @Cast("float*") Pointer y, long T, long C, long OC, Pointer stream);
    public static native int cuda_matmul_forward_q4_0(@Cast("const void*") Pointer w, @Cast("const float*") Pointer x, @Cast("float*") Pointer y, long T, long C, long OC, Pointer stream);
    public static native int cuda_matmul_forward_q4_k(@Cast("const void*") Pointer w, @Cast("const float*") Pointer x, @Cast("float*") Pointer y, long T, long C, long OC, Pointer stream);
    public static native int cuda_matmul_forward_q6_k(@Cast("const void*") Pointer w, @Cast("const float*") Pointer x, @Cast("float*") Pointer y, long T, long C, long OC, Pointer stream);
    public static native int cuda_matmul_forward_nf4(@Cast("const void*") Pointer w, @Cast("const float*") Pointer x, @Cast("float*") Pointer y, long T, long C, long OC, Pointer stream);

    public static native int cuda_rmsnorm_forward_f32(@Cast("float*") Pointer out, @Cast("float*") Pointer rstd, @Cast("const float*") Pointer x,
                                                      @Cast("const float*") Pointer w, long T, long C, float eps, Pointer stream);
    public static native int cuda_layernorm_forward_f32(@Cast("float*") Pointer out, @Cast("float*") Pointer mean, @Cast("float*") Pointer rstd,
                                                        @Cast("const float*") Pointer x, @Cast("const float*") Pointer w, @Cast("const float*") Pointer b,
                                                        long T, long C, float eps, Pointer stream);
    public static native int cuda_rope_forward_f32(@Cast("float*") Pointer x, @Cast("const int32_t*") Pointer pos, long T, long H, long D, float theta,
                                                   float freqScale, @Cast("const float*") Pointer freqFactors, int neox, Pointer stream);
    public static native int cuda_attention_forward_f32(@Cast("float*") Pointer out, @Cast("float*") Pointer lse, @Cast("const float*") Pointer q,
                                                        @Cast("const float*") Pointer k, @Cast("const float*") Pointer v, long T, long pos, long H,
                                                        long KVH, long D, Pointer stream);
    public static native int cuda_swiglu_forward_f32(@Cast("float*") Pointer out, @Cast("const float*") Pointer gate, @Cast("const float*") Pointer up,
                                                     long n, Pointer stream);
    public static native int cuda_softmax_forward_f32(@Cast("float*") Pointer out, @Cast("const float*") Pointer x, long T, long V, Pointer stream);
    public static native int cuda_add_f32(@Cast("float*") Pointer out, @Cast("const float*") Pointer a, @Cast("const float*") Pointer b, long n, Pointer stream);
    public static native int cuda_bias_add_forward_f32(@Cast("float*") Pointer y, @Cast("const float*") Pointer b, long T, long C, Pointer stream);
}
