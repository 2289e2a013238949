package dev.cortado.kernels;

import dev.cortado.tensor.Codecs;
import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every CUDA kernel against the CPU kernel ({@link Kernels}) on the same inputs, within a
 * normalised error max|cuda - cpu| / max|cpu| (as native/cuda/test/check_kernels.cu does, with
 * fewer sizes). Skipped, with the reason, where there is no GPU (CI, this build machine).
 */
class CudaKernelsTest {
    private static final Random RNG = new Random(42);
    private static final List<Pointer> allocated = new ArrayList<>();

    // per test (not @BeforeAll), so each one is reported skipped with the reason
    @BeforeEach
    void needGpu() {
        int n = Cuda.deviceCount();
        assumeTrue(n > 0, () -> "no CUDA device: skipped (" + Cuda.describe() + ")");
        assertEquals(0, CudaKernels.cortado_cuda_set_device(0), CudaKernels.cortado_cuda_last_error().getString());
    }

    @AfterAll
    static void freeAll() {
        for (Pointer p : allocated) CudaKernels.cortado_cuda_free(p);
        allocated.clear();
    }

    // ---- device helpers ----

    private static void ok(int rc, String what) {
        assertEquals(0, rc, () -> what + ": " + CudaKernels.cortado_cuda_last_error().getString());
    }

    private static Pointer upload(Pointer host, long bytes) {
        Pointer d = CudaKernels.cortado_cuda_malloc(bytes);
        assertTrue(d != null && !d.isNull(), () -> "cudaMalloc: " + CudaKernels.cortado_cuda_last_error().getString());
        allocated.add(d);
        ok(CudaKernels.cortado_cuda_memcpy_h2d(d, host, bytes, null), "h2d");
        return d;
    }

    private static Pointer upload(float[] a) {
        try (FloatPointer h = new FloatPointer(a)) {
            return upload(h, 4L * a.length);
        }
    }

    private static Pointer deviceFloats(long n) {
        Pointer d = CudaKernels.cortado_cuda_malloc(4 * n);
        assertTrue(d != null && !d.isNull(), "cudaMalloc");
        allocated.add(d);
        ok(CudaKernels.cortado_cuda_memset(d, 0xFF, 4 * n, null), "memset");  // NaNs: each output must be written
        return d;
    }

    private static float[] download(Pointer d, int n) {
        try (FloatPointer h = new FloatPointer(n)) {
            ok(CudaKernels.cortado_cuda_memcpy_d2h(h, d, 4L * n, null), "d2h");
            ok(CudaKernels.cortado_cuda_stream_synchronize(null), "sync");
            float[] a = new float[n];
            h.get(a);
            return a;
        }
    }

    private static float[] randoms(int n, float lo, float hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * RNG.nextFloat();
        return a;
    }

    private static void close(String what, float[] gpu, float[] cpu, double bound) {
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < cpu.length; i++) {
            double d = Math.abs((double) gpu[i] - cpu[i]);
            maxDiff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(maxDiff, d);
            maxRef = Math.max(maxRef, Math.abs(cpu[i]));
        }
        double err = maxRef > 0 ? maxDiff / maxRef : maxDiff;
        System.out.printf("%-48s err %.2e <= %.0e%n", what, err, bound);
        assertTrue(err <= bound, what + ": normalised error " + err + " > " + bound);
    }

    // ---- matmul ----

    private static int cudaMatmul(TensorType type, Pointer w, Pointer x, Pointer y, int T, int C, int OC) {
        return switch (type) {
            case F32 -> CudaKernels.cuda_matmul_forward_f32(w, x, y, T, C, OC, null);
            case F16 -> CudaKernels.cuda_matmul_forward_f16(w, x, y, T, C, OC, null);
            case BF16 -> CudaKernels.cuda_matmul_forward_bf16(w, x, y, T, C, OC, null);
            case Q8_0 -> CudaKernels.cuda_matmul_forward_q8_0(w, x, y, T, C, OC, null);
            case Q4_0 -> CudaKernels.cuda_matmul_forward_q4_0(w, x, y, T, C, OC, null);
            case Q4_K -> CudaKernels.cuda_matmul_forward_q4_k(w, x, y, T, C, OC, null);
            case Q6_K -> CudaKernels.cuda_matmul_forward_q6_k(w, x, y, T, C, OC, null);
            case NF4 -> CudaKernels.cuda_matmul_forward_nf4(w, x, y, T, C, OC, null);
            default -> throw new AssertionError(type);
        };
    }

    private static void checkMatmul(TensorType type, int T, int C, int OC) {
        byte[] wb = Codecs.quantizeRows(type, randoms(OC * C, -1, 1), C).array();
        float[] x = randoms(T * C, -1, 1);
        float[] ref = new float[T * OC];
        String isa = Kernels.isa();
        Kernels.setIsa("generic");  // the CPU's float path (AVX2 decodes in int8 for T <= 3)
        try (BytePointer w = new BytePointer(wb); FloatPointer xp = new FloatPointer(x); FloatPointer yp = new FloatPointer(T * OC)) {
            Kernels.matmul(type, w, wb.length, xp, x.length, yp, ref.length, T, C, OC);
            yp.get(ref);
            Pointer dw = upload(w, wb.length), dx = upload(x), dy = deviceFloats(ref.length);
            ok(cudaMatmul(type, dw, dx, dy, T, C, OC), "matmul " + type);
            close("matmul " + type + " T=" + T + " C=" + C + " OC=" + OC, download(dy, ref.length), ref, T <= 8 ? 1e-4 : 2e-3);
        } finally {
            Kernels.setIsa(isa);
        }
    }

    @Test
    void matmulEveryTypeOddSizes() {
        for (TensorType type : new TensorType[] {TensorType.F32, TensorType.F16, TensorType.BF16}) {
            for (int[] s : new int[][] {{1, 67, 17}, {3, 255, 5}, {20, 67, 65}, {70, 300, 129}}) checkMatmul(type, s[0], s[1], s[2]);
        }
        for (TensorType type : new TensorType[] {TensorType.Q8_0, TensorType.Q4_0, TensorType.Q4_K, TensorType.Q6_K, TensorType.NF4}) {
            for (int[] s : new int[][] {{1, 256, 17}, {7, 512, 33}, {20, 256, 65}, {70, 768, 129}}) checkMatmul(type, s[0], s[1], s[2]);
        }
    }

    // ---- the other ops ----

    @Test
    void norms() {
        int T = 7, C = 1031;
        float[] x = randoms(T * C, -3, 3), w = randoms(C, -1, 1), b = randoms(C, -1, 1);
        try (FloatPointer xp = new FloatPointer(x); FloatPointer wp = new FloatPointer(w); FloatPointer bp = new FloatPointer(b); FloatPointer out = new FloatPointer(T * C); FloatPointer mean = new FloatPointer(T); FloatPointer rstd = new FloatPointer(T)) {
            Kernels.rmsnorm(out, rstd, xp, wp, T, C, 1e-5f);
            Pointer dx = upload(x), dw = upload(w), db = upload(b), dout = deviceFloats(T * C), dm = deviceFloats(T), dr = deviceFloats(T);
            ok(CudaKernels.cuda_rmsnorm_forward_f32(dout, dr, dx, dw, T, C, 1e-5f, null), "rmsnorm");
            close("rmsnorm out", download(dout, T * C), get(out, T * C), 1e-5);
            close("rmsnorm rstd", download(dr, T), get(rstd, T), 1e-5);
            Kernels.layernorm(out, mean, rstd, xp, wp, bp, T, C, 1e-5f);
            ok(CudaKernels.cuda_layernorm_forward_f32(dout, dm, dr, dx, dw, db, T, C, 1e-5f, null), "layernorm");
            close("layernorm out", download(dout, T * C), get(out, T * C), 1e-5);
            close("layernorm mean", download(dm, T), get(mean, T), 1e-5);
            close("layernorm rstd", download(dr, T), get(rstd, T), 1e-5);
        }
    }

    @Test
    void ropeBothPairingsWithFactors() {
        int T = 9, H = 6, D = 80;
        for (boolean halves : new boolean[] {false, true}) {
            float[] x = randoms(T * H * D, -1, 1), ff = randoms(D / 2, 1, 8);
            int[] pos = new int[T];
            for (int t = 0; t < T; t++) pos[t] = RNG.nextInt(4096);
            Pointer dx = upload(x), dff = upload(ff);
            try (IntPointer pp = new IntPointer(pos); FloatPointer xp = new FloatPointer(x); FloatPointer fp = new FloatPointer(ff)) {
                Pointer dpos = upload(pp, 4L * T);
                Kernels.rope(xp, pp, T, H, D, 500000f, 0.5f, fp, halves);
                ok(CudaKernels.cuda_rope_forward_f32(dx, dpos, T, H, D, 500000f, 0.5f, dff, halves ? 1 : 0, null), "rope");
                close("rope " + (halves ? "halves" : "pairs"), download(dx, x.length), get(xp, x.length), 2e-3);
            }
        }
    }

    @Test
    void attentionPrefillAndDecode() {
        int H = 6, KVH = 2;
        for (int[] s : new int[][] {{1, 0, 64}, {1, 300, 128}, {7, 40, 80}, {64, 10, 64}}) {
            int T = s[0], pos = s[1], D = s[2], ctx = pos + T;
            float[] q = randoms(T * H * D, -2, 2), k = randoms(ctx * KVH * D, -2, 2), v = randoms(ctx * KVH * D, -1, 1);
            try (FloatPointer qp = new FloatPointer(q); FloatPointer kp = new FloatPointer(k); FloatPointer vp = new FloatPointer(v); FloatPointer out = new FloatPointer(T * H * D); FloatPointer lse = new FloatPointer(T * H)) {
                Kernels.attention(out, lse, qp, kp, vp, T, pos, H, KVH, D);
                Pointer dout = deviceFloats(T * H * D), dl = deviceFloats(T * H);
                ok(CudaKernels.cuda_attention_forward_f32(dout, dl, upload(q), upload(k), upload(v), T, pos, H, KVH, D, null), "attention");
                String what = "attention T=" + T + " pos=" + pos + " D=" + D;
                close(what + " out", download(dout, T * H * D), get(out, T * H * D), 1e-4);
                close(what + " lse", download(dl, T * H), get(lse, T * H), 1e-5);
            }
        }
    }

    @Test
    void elementwise() {
        int n = 10007, T = 3, V = 5003;
        float[] a = randoms(n, -6, 6), b = randoms(n, -2, 2);
        try (FloatPointer ap = new FloatPointer(a); FloatPointer bp = new FloatPointer(b); FloatPointer out = new FloatPointer(n)) {
            Pointer da = upload(a), db = upload(b), dout = deviceFloats(n);
            Kernels.swiglu(out, ap, bp, n);
            ok(CudaKernels.cuda_swiglu_forward_f32(dout, da, db, n, null), "swiglu");
            close("swiglu", download(dout, n), get(out, n), 1e-6);
            Kernels.add(out, ap, bp, n);
            ok(CudaKernels.cuda_add_f32(dout, da, db, n, null), "add");
            close("add", download(dout, n), get(out, n), 0);
        }
        float[] x = randoms(T * V, -10, 10), bias = randoms(V, -1, 1);
        try (FloatPointer xp = new FloatPointer(x); FloatPointer out = new FloatPointer(T * V); FloatPointer bp = new FloatPointer(bias)) {
            Pointer dx = upload(x), dout = deviceFloats(T * V);
            Kernels.softmax(out, xp, T, V);
            ok(CudaKernels.cuda_softmax_forward_f32(dout, dx, T, V, null), "softmax");
            close("softmax", download(dout, T * V), get(out, T * V), 1e-5);
            Kernels.biasAdd(xp, bp, T, V);
            ok(CudaKernels.cuda_bias_add_forward_f32(dx, upload(bias), T, V, null), "biasAdd");
            close("biasAdd", download(dx, T * V), get(xp, T * V), 0);
        }
    }

    private static float[] get(FloatPointer p, int n) {
        float[] a = new float[n];
        p.get(a, 0, n);
        return a;
    }
}
