package dev.cortado.kernels;

import org.bytedeco.javacpp.BytePointer;

/**
 * What the CUDA backend can see. Touching this class loads the CUDA JNI library (and nothing else
 * does), so the CPU path never depends on CUDA.
 */
public final class Cuda {
    private Cuda() {}

    /** True when Cortado's CUDA library was compiled by nvcc (not the stub). */
    public static boolean compiled() {
        return CudaKernels.cortado_cuda_compiled() != 0;
    }

    /** Usable GPUs; 0 when there is no driver or no device. */
    public static int deviceCount() {
        return CudaKernels.cortado_cuda_device_count();
    }

    /** One line about a device, e.g. "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)". */
    public static String deviceName(int device) {
        try (BytePointer buf = new BytePointer(256)) {
            int rc = CudaKernels.cortado_cuda_device_name(device, buf, 256);
            String s = buf.getString();
            return rc == 0 ? s : "unavailable: " + s;
        }
    }

    /** A one-line summary for --version and diagnostics; never throws. */
    public static String describe() {
        try {
            if (!compiled()) return "CUDA: not compiled in (no nvcc at build time)";
            int n = deviceCount();
            if (n == 0) {
                String why = CudaKernels.cortado_cuda_last_error().getString();
                return "CUDA: compiled (sm_80, sm_90), no usable GPU" + (why.isEmpty() ? "" : " (" + why + ")");
            }
            StringBuilder sb = new StringBuilder("CUDA: ");
            for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : ", ").append(i).append(": ").append(deviceName(i));
            return sb.toString();
        } catch (Throwable t) {
            return "CUDA: library failed to load (" + t.getMessage() + ")";
        }
    }
}
