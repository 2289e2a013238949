package dev.cortado.kernels;

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

    /** Throws unless [offset, offset + count) lies inside an array or buffer of the given length. */
    public static void checkRange(String what, long offset, long count, long length) {
        if (offset < 0 || count < 0 || offset > length || count > length - offset) {
            throw new IndexOutOfBoundsException(what + ": range [" + offset + ", " + offset + " + " + count
                    + ") outside length " + length);
        }
    }
}
