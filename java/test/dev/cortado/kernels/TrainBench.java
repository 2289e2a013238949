package dev.cortado.kernels;

import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.FloatPointer;

import java.util.Locale;
import java.util.Random;

/**
 * Micro benchmark of the training kernels (not a test): GFLOP/s of matmulBackwardW (2·T·C·OC per
 * call; the f32 forward matmul beside it for scale) and of attentionBackward (10·D per causal
 * (query, key, head) triple: the five D-long products of the flash-attention-2 backward; the kernel
 * does seven, see attention.cpp).
 *
 * <p>Usage: {@code TrainBench [T] [C] [OC] [H] [KVH] [threads,...]}; defaults 256 576 1536 9 3 1,2
 * (SmolLM2-135M's MLP and attention shapes, D = C / H). Run like {@code tools/bench/matmul.sh} does
 * MatmulBench, with this class name.
 */
public final class TrainBench {
    public static void main(String[] args) {
        int T = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int C = args.length > 1 ? Integer.parseInt(args[1]) : 576;
        int OC = args.length > 2 ? Integer.parseInt(args[2]) : 1536;
        int H = args.length > 3 ? Integer.parseInt(args[3]) : 9;
        int KVH = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        String[] threadList = (args.length > 5 ? args[5] : "1,2").split(",");
        int D = C / H;
        Kernels.load();
        Random r = new Random(1);
        FloatPointer x = fill(r, (long) T * C), dy = fill(r, (long) T * OC), dw = fill(r, (long) OC * C), w = fill(r, (long) OC * C);
        FloatPointer q = fill(r, (long) T * H * D), k = fill(r, (long) T * KVH * D), v = fill(r, (long) T * KVH * D);
        FloatPointer out = new FloatPointer((long) T * H * D), lse = new FloatPointer((long) T * H), dout = fill(r, (long) T * H * D);
        FloatPointer dq = new FloatPointer((long) T * H * D), dk = new FloatPointer((long) T * KVH * D), dv = new FloatPointer((long) T * KVH * D);
        Kernels.attention(out, lse, q, k, v, T, 0, H, KVH, D);
        System.out.printf(Locale.ROOT, "train bench: T=%d C=%d OC=%d H=%d KVH=%d D=%d, isa %s%n", T, C, OC, H, KVH, D, Kernels.isa());
        System.out.printf(Locale.ROOT, "%3s %16s %16s %16s %12s%n", "thr", "fwd f32 GF/s", "backwardW GF/s", "attn bwd GF/s", "attn bwd ms");
        double mmFlops = 2.0 * T * C * OC, attFlops = 10.0 * D * H * T * (T + 1) / 2.0;
        for (String ts : threadList) {
            int th = Integer.parseInt(ts);
            Kernels.setThreads(th);
            double fwd = time(() -> Kernels.matmul(TensorType.F32, w, 4L * OC * C, x, (long) T * C, dy, (long) T * OC, T, C, OC));
            double bw = time(() -> Kernels.matmulBackwardW(dw, dy, x, T, C, OC));
            double ab = time(() -> Kernels.attentionBackward(dq, dk, dv, dout, q, k, v, out, lse, T, H, KVH, D));
            System.out.printf(Locale.ROOT, "%3d %16.1f %16.1f %16.1f %12.2f%n", th, mmFlops / fwd / 1e9, mmFlops / bw / 1e9,
                    attFlops / ab / 1e9, ab * 1e3);
        }
    }

    static FloatPointer fill(Random r, long n) {
        FloatPointer p = new FloatPointer(n);
        for (long i = 0; i < n; i++) p.put(i, (float) r.nextGaussian() * 0.1f);
        return p;
    }

    /** Seconds per call: the best of 5 rounds, each at least 0.2 s. */
    static double time(Runnable f) {
        f.run();
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            int n = 0;
            while (System.nanoTime() - t0 < 200_000_000L || n == 0) {
                f.run();
                n++;
            }
            best = Math.min(best, (System.nanoTime() - t0) / 1e9 / n);
        }
        return best;
    }
}
