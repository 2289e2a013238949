package dev.cortado.kernels;

import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Micro benchmark of the matmul kernels (not a test; run by {@code tools/bench/matmul.sh}).
 * Decoding (T = 1): GB/s of weight bytes over an OC x C matrix, cycling through enough copies that
 * the weights cannot stay in the L3 cache (the figure is a memory-bandwidth figure). Prefill
 * (T = {@code prefillT}): GFLOP/s (2·T·C·OC per call), forward and backward-x.
 *
 * <p>Usage: {@code MatmulBench [C] [OC] [prefillT] [threads,...] [type,...]}; defaults 4096 4096 512 1,2
 * and every type. Weights are random block bytes with small finite fp16 scales (speed does not
 * depend on the values).
 */
public final class MatmulBench {
    public static void main(String[] args) {
        int C = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        int OC = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        int prefillT = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        String[] threadList = (args.length > 3 ? args[3] : "1,2").split(",");
        List<TensorType> types = new ArrayList<>();
        if (args.length > 4) {
            for (String s : args[4].split(",")) types.add(TensorType.fromName(s));
        } else {
            for (TensorType t : TensorType.values()) if (Kernels.canMatmul(t)) types.add(t);
        }
        Kernels.load();
        System.out.printf(Locale.ROOT, "matmul bench: C=%d OC=%d, isa %s, %d cores reported%n", C, OC, Kernels.isa(), CpuKernels.cortado_cpu_threads());
        System.out.printf(Locale.ROOT, "%-5s %3s %12s %12s %16s %16s%n", "type", "thr", "T=1 ms", "T=1 GB/s",
                "T=" + prefillT + " fwd GF/s", "T=" + prefillT + " bwd GF/s");
        Random r = new Random(1);
        for (TensorType type : types) {
            long wBytes = type.byteSize(OC, C);
            int copies = (int) Math.max(1, Math.min(16, (160L << 20) / wBytes + 1));  // > 128 MiB in all: beyond L3
            BytePointer[] ws = new BytePointer[copies];
            for (int i = 0; i < copies; i++) ws[i] = randomWeights(type, wBytes, r);
            try (FloatPointer x = filled(prefillT * (long) C, r); FloatPointer y = new FloatPointer(prefillT * (long) OC);
                 FloatPointer dx = new FloatPointer(prefillT * (long) C)) {
                for (String ts : threadList) {
                    int threads = Integer.parseInt(ts.trim());
                    // decoding: T = 1
                    for (int i = 0; i < copies; i++) Kernels.matmul(type, ws[i], wBytes, x, C, y, OC, 1, C, OC, threads);
                    int calls = 0;
                    long t0 = System.nanoTime();
                    while (System.nanoTime() - t0 < 1_000_000_000L || calls < 3 * copies) {
                        Kernels.matmul(type, ws[calls % copies], wBytes, x, C, y, OC, 1, C, OC, threads);
                        calls++;
                    }
                    double decode = (System.nanoTime() - t0) / 1e9 / calls;
                    // prefill: forward and backward, one warm-up each
                    double flops = 2.0 * prefillT * C * OC;
                    double fwd = time(() -> Kernels.matmul(type, ws[0], wBytes, x, prefillT * (long) C, y, prefillT * (long) OC, prefillT, C, OC, threads));
                    double bwd = time(() -> Kernels.matmulBackwardX(type, ws[0], wBytes, y, prefillT * (long) OC, dx, prefillT * (long) C, prefillT, C, OC, threads));
                    System.out.printf(Locale.ROOT, "%-5s %3d %12.3f %12.2f %16.1f %16.1f%n", type.lowerName(), threads,
                            decode * 1e3, wBytes / decode / 1e9, flops / fwd / 1e9, flops / bwd / 1e9);
                }
            }
            for (BytePointer w : ws) w.close();
        }
    }

    /** Seconds per call: the best of 3 after a warm-up. */
    static double time(Runnable call) {
        call.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            call.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    static FloatPointer filled(long n, Random r) {
        FloatPointer p = new FloatPointer(n);
        for (long i = 0; i < n; i++) p.put(i, (float) r.nextGaussian());
        return p;
    }

    /** Random bytes; every second byte masked so that fp16 (and NF4's float) fields are finite. */
    static BytePointer randomWeights(TensorType type, long bytes, Random r) {
        BytePointer p = new BytePointer(bytes);
        byte[] chunk = new byte[1 << 16];
        for (long off = 0; off < bytes; off += chunk.length) {
            r.nextBytes(chunk);
            for (int i = 1; i < chunk.length; i += 2) chunk[i] &= 0x3b;
            if (type == TensorType.F32) for (int i = 3; i < chunk.length; i += 4) chunk[i] = 0x3c;
            int n = (int) Math.min(chunk.length, bytes - off);
            p.position(off).put(chunk, 0, n);
        }
        return p.position(0);
    }
}
