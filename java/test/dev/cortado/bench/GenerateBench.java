package dev.cortado.bench;

import dev.cortado.kernels.Kernels;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.Transformer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Prompt-processing and generation speed of the engine on one model, on fixed token ids (the same ids
 * the llama.cpp side of tools/bench/generate.sh evaluates): a warm-up (one untimed repetition: JIT, page cache), then
 * {@code reps} runs of a {@code P}-token prompt and {@code G} greedy steps from it. Prompt speed is
 * the best run; generation speed is 1 / the median step time over all runs (the bench machine is
 * shared, and the median ignores the steps another process took the cores from).
 * Also {@code G} steps from an empty context (BOS, then greedy), as llama-bench's tg128 runs them:
 * {@code tg0}, 1 / the median step.
 * Prints one line: {@code cortado pp=<tok/s> tg=<tok/s> tgmean=<tok/s, whole runs> tg0=<tok/s> rss_mb=<peak RSS>
 * ppcpu_ms=<process CPU ms per prompt token> tgcpu_ms=<per generated token> kvpos=<KV cache bytes per position>
 * steal=<% of the host's CPU time stolen by the hypervisor over the timed repetitions>}
 * (CPU time is what to compare between two builds on a busy machine; it does not count time spent
 * waiting for a core; kvpos is what one generated token reads per position it attends to).
 *
 * <p>With READBW (tools/bench/readbw.c's binary) the read bandwidth is measured right before each
 * repetition's G steps after the prompt and right before its G steps from BOS, and the line goes on with
 * {@code bw=<median GB/s> tg_bound=… tgkv_bound=… tg0_bound=…}: the medians over the repetitions of
 * that repetition's speed (1 / its median step) over its bound, the bandwidth just measured over the
 * bytes a step reads: the file (tg, tg0) or the file plus the f16 KV cache at the middle of the G steps
 * (tgkv). The host's bandwidth drifts by a third within minutes; a bound measured a minute away from the
 * speed it divides reads that drift as the engine's.
 *
 * <p>Usage: GenerateBench MODEL THREADS P G BATCH REPS [READBW]
 */
public final class GenerateBench {
    public static void main(String[] a) throws Exception {
        Path model = Path.of(a[0]);
        int threads = Integer.parseInt(a[1]), P = Integer.parseInt(a[2]), G = Integer.parseInt(a[3]);
        int batch = Integer.parseInt(a[4]), reps = Integer.parseInt(a[5]);
        String readbw = a.length > 6 ? a[6] : null;
        Kernels.setThreads(threads);
        try (ModelFile f = ModelLoader.open(model); Transformer t = new Transformer(f, P + G, batch)) {
            int[] prompt = prompt(P, t.vocabSize());
            // warm-up: one untimed repetition (the prompt, G steps after it, G steps from BOS). The JVM compiles the
            // step's Java code over the first few hundred tokens, with its compiler threads on the same two cores:
            // a shorter warm-up (a 248-token prompt and 8 steps, before session 8) measured tg ~7% slower here.
            int w = argmax(t.forward(prompt, 0));
            for (int i = 0; i < G; i++) w = argmax(t.forward(new int[]{w}, P + i));
            w = argmax(t.forward(new int[]{prompt[0]}, 0));
            for (int i = 0; i < G; i++) w = argmax(t.forward(new int[]{w}, 1 + i));
            double bestPp = 0, bestTg = 0, ppCpu = 0, tgCpu = 0;
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            var c = f.config();
            long kvPos = 2L * c.nLayers() * c.kvDim() * (t.kvCacheType() == dev.cortado.model.KvCacheType.F16 ? 2 : 4);
            long bytes = Files.size(model), kvBytes = kvPos * (P + G / 2);  // what a step after the prompt reads, on average
            long[] steps = new long[reps * G], steps0 = new long[reps * G];
            double[] bw = new double[2 * reps], tgBound = new double[reps], tgKvBound = new double[reps], tg0Bound = new double[reps];
            long[] cpu0 = hostCpuTicks();
            for (int r = 0; r < reps; r++) {
                long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                float[] logits = t.forward(prompt, 0);
                long t1 = System.nanoTime(), c1 = os.getProcessCpuTime();
                int next = argmax(logits);
                if (readbw != null) bw[2 * r] = readBandwidth(readbw, threads);  // (outside the timed stretch)
                long t1g = System.nanoTime(), c1g = os.getProcessCpuTime();
                for (int i = 0; i < G; i++) {
                    long s0 = System.nanoTime();
                    next = argmax(t.forward(new int[]{next}, P + i));
                    steps[r * G + i] = System.nanoTime() - s0;
                }
                long t2 = System.nanoTime(), c2 = os.getProcessCpuTime();
                ppCpu += (c1 - c0) / 1e6 / P / reps;
                tgCpu += (c2 - c1g) / 1e6 / G / reps;
                bestPp = Math.max(bestPp, P / ((t1 - t0) / 1e9));
                bestTg = Math.max(bestTg, G / ((t2 - t1g) / 1e9));
                // G steps from an empty context: BOS, then greedy
                if (readbw != null) bw[2 * r + 1] = readBandwidth(readbw, threads);
                next = argmax(t.forward(new int[]{prompt[0]}, 0));
                for (int i = 0; i < G; i++) {
                    long s0 = System.nanoTime();
                    next = argmax(t.forward(new int[]{next}, 1 + i));
                    steps0[r * G + i] = System.nanoTime() - s0;
                }
                // this repetition's speeds against the bandwidth measured just before it
                double tg = 1e9 / median(Arrays.copyOfRange(steps, r * G, r * G + G));
                double tg0 = 1e9 / median(Arrays.copyOfRange(steps0, r * G, r * G + G));
                tgBound[r] = tg * bytes / (bw[2 * r] * 1e9);
                tgKvBound[r] = tg * (bytes + kvBytes) / (bw[2 * r] * 1e9);
                tg0Bound[r] = tg0 * bytes / (bw[2 * r + 1] * 1e9);
            }
            long[] cpu1 = hostCpuTicks();
            System.out.printf("cortado pp=%.2f tg=%.2f tgmean=%.2f tg0=%.2f rss_mb=%d ppcpu_ms=%.2f tgcpu_ms=%.2f kvpos=%d steal=%.1f", bestPp,
                    1e9 / median(steps), bestTg, 1e9 / median(steps0), peakRssMb(), ppCpu, tgCpu, kvPos, stealPercent(cpu0, cpu1));
            if (readbw != null) {
                System.out.printf(" bw=%.2f tg_bound=%.3f tgkv_bound=%.3f tg0_bound=%.3f", median(bw), median(tgBound), median(tgKvBound),
                        median(tg0Bound));
            }
            System.out.println();
        }
    }

    /** The median of v (sorts a copy; the upper middle element for an even length, as before). */
    static double median(double[] v) {
        double[] x = v.clone();
        Arrays.sort(x);
        return x[x.length / 2];
    }

    static double median(long[] v) {
        long[] x = v.clone();
        Arrays.sort(x);
        return x[x.length / 2];
    }

    /** Runs tools/bench/readbw.c's binary (built by generate.sh) and returns its GB/s. */
    static double readBandwidth(String readbw, int threads) throws Exception {
        Process p = new ProcessBuilder(readbw, Integer.toString(threads)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException(readbw + " failed: " + out.strip());
        var m = java.util.regex.Pattern.compile("gbps=([0-9.]+)").matcher(out);
        if (!m.find()) throw new IllegalStateException(readbw + " printed no gbps=: " + out.strip());
        return Double.parseDouble(m.group(1));
    }

    /** Deterministic pseudo-random ids in [100, min(vocab, 32000)) (ordinary SentencePiece pieces). */
    static int[] prompt(int n, int vocab) {
        int[] p = new int[n];
        p[0] = 1;  // BOS
        long s = 12345;
        for (int i = 1; i < n; i++) {
            s = s * 6364136223846793005L + 1442695040888963407L;
            p[i] = 100 + (int) ((s >>> 33) % (Math.min(vocab, 32000) - 100));
        }
        return p;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** The host's CPU time so far from /proc/stat's "cpu" line: {all ticks, steal ticks}; null where there is none. */
    static long[] hostCpuTicks() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (!line.startsWith("cpu ")) continue;
                String[] f = line.trim().split("\\s+");
                long all = 0;
                for (int i = 1; i < f.length && i <= 8; i++) all += Long.parseLong(f[i]);  // user .. steal (guest is inside user)
                return new long[]{all, f.length > 8 ? Long.parseLong(f[8]) : 0};
            }
        } catch (Exception e) {
            // no /proc/stat: not Linux
        }
        return null;
    }

    /**
     * The share of the machine's CPU time the hypervisor gave to other guests between two
     * {@link #hostCpuTicks} readings, in percent (-1 when unknown): a run with a high figure was measured
     * with cores taken away, which the paired bandwidth does not see.
     */
    static double stealPercent(long[] a, long[] b) {
        if (a == null || b == null || b[0] <= a[0]) return -1;
        return 100.0 * (b[1] - a[1]) / (b[0] - a[0]);
    }

    static long peakRssMb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
        return -1;
    }
}
