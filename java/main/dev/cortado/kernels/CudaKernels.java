package dev.cortado.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;

/**
 * JavaCPP binding of {@code native/include/cortado/cuda.h}. Its JNI library is separate from the
 * CPU one and is loaded only when this class is first touched, i.e. only when a GPU is asked for;
 * built without nvcc it is a stub that reports no devices.
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
}
