package dev.cortado.kernels;

import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

import java.util.Locale;

/**
 * The checked front of the CPU kernels: sizes and bounds are validated here, in Java, before any
 * native call. Callers outside this package use these methods, not {@link CpuKernels} directly.
 */
public final class Kernels {
    private static volatile int defaultThreads = 0;

    private Kernels() {}

    /** Loads the native library (idempotent); fails with a clear message when it cannot. */
    public static void load() {
        try {
            CpuKernels.cortado_cpu_isa();
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new IllegalStateException("cannot load Cortado's native CPU library: " + e.getMessage(), e);
        }
    }

    /** Threads the kernels use by default: {@code --threads}, else every core the OS reports. */
    public static int threads() {
        int t = defaultThreads;
        return t > 0 ? t : CpuKernels.cortado_cpu_threads();
    }

    public static void setThreads(int threads) {
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0 (0 = all cores): " + threads);
        defaultThreads = threads;
    }

    /** The instruction set the kernels use now: "avx2" or "generic". */
    public static String isa() {
        return isaName(CpuKernels.cortado_cpu_isa());
    }

    public static String bestIsa() {
        return isaName(CpuKernels.cortado_cpu_best_isa());
    }

    /** Forces "avx2" or "generic" (for tests and benchmarks); returns the ISA in force afterwards. */
    public static String setIsa(String name) {
        int id = switch (name.toLowerCase(Locale.ROOT)) {
            case "avx2" -> CpuKernels.ISA_AVX2;
            case "generic" -> CpuKernels.ISA_GENERIC;
            default -> throw new IllegalArgumentException("unknown ISA " + name + " (avx2|generic)");
        };
        return isaName(CpuKernels.cortado_cpu_set_isa(id));
    }

    private static String isaName(int id) {
        return id == CpuKernels.ISA_AVX2 ? "avx2" : "generic";
    }

    /** Whether {@link #dequantize} has a native kernel for {@code type}. */
    public static boolean canDequantize(TensorType type) {
        return switch (type) {
            case F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /** {@link #dequantize(TensorType, Pointer, long, FloatPointer, long, long, int)} on {@link #threads()} threads. */
    public static void dequantize(TensorType type, Pointer src, long srcBytes, FloatPointer dst, long dstCapacity, long n) {
        dequantize(type, src, srcBytes, dst, dstCapacity, n, threads());
    }

    /**
     * Dequantizes {@code n} elements of {@code type} (GGML block layout) at {@code src} into
     * {@code dst[0..n)}, float-for-float as ggml's {@code dequantize_row_<type>} and the Java codecs.
     * {@code srcBytes} / {@code dstCapacity} are what the caller owns there (bytes / floats); they
     * and the pointers' own capacities, when known, are checked before the native call.
     */
    public static void dequantize(TensorType type, Pointer src, long srcBytes, FloatPointer dst, long dstCapacity,
                                  long n, int threads) {
        if (!canDequantize(type)) throw new IllegalArgumentException("no native dequantize kernel for " + type);
        if (src == null || src.isNull() || dst == null || dst.isNull()) throw new IllegalArgumentException("dequantize " + type + ": null pointer");
        if (n < 0 || n % type.blockSize() != 0) {
            throw new IllegalArgumentException("dequantize " + type + ": " + n + " elements is not a multiple of the block size " + type.blockSize());
        }
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1: " + threads);
        long bytes = type.byteSize(n);
        checkRange("dequantize " + type + " source bytes", 0, bytes, srcBytes);
        checkRange("dequantize " + type + " destination floats", 0, n, dstCapacity);
        if (src.capacity() > 0) checkRange("dequantize " + type + " source pointer", 0, bytes, (src.capacity() - src.position()) * src.sizeof());
        if (dst.capacity() > 0) checkRange("dequantize " + type + " destination pointer", 0, n, dst.capacity() - dst.position());
        if (n == 0) return;
        switch (type) {
            case F16 -> CpuKernels.convert_f16_to_f32(src, dst, n, threads);
            case BF16 -> CpuKernels.convert_bf16_to_f32(src, dst, n, threads);
            case Q8_0 -> CpuKernels.dequantize_q8_0(src, dst, n, threads);
            case Q4_0 -> CpuKernels.dequantize_q4_0(src, dst, n, threads);
            case Q4_1 -> CpuKernels.dequantize_q4_1(src, dst, n, threads);
            case Q5_0 -> CpuKernels.dequantize_q5_0(src, dst, n, threads);
            case Q5_1 -> CpuKernels.dequantize_q5_1(src, dst, n, threads);
            case Q4_K -> CpuKernels.dequantize_q4_k(src, dst, n, threads);
            case Q5_K -> CpuKernels.dequantize_q5_k(src, dst, n, threads);
            case Q6_K -> CpuKernels.dequantize_q6_k(src, dst, n, threads);
            default -> throw new AssertionError(type);
        }
    }

    /** Throws unless [offset, offset + count) lies inside an array or buffer of the given length. */
    public static void checkRange(String what, long offset, long count, long length) {
        if (offset < 0 || count < 0 || offset > length || count > length - offset) {
            throw new IndexOutOfBoundsException(what + ": range [" + offset + ", " + offset + " + " + count
                    + ") outside length " + length);
        }
    }
}
