package dev.cortado.bench;

import dev.cortado.kernels.Kernels;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.train.Batch;
import dev.cortado.train.LoraSpec;
import dev.cortado.train.TrainModel;

import java.nio.file.Path;
import java.util.Random;
import java.util.Set;

/**
 * Training speed of {@link TrainModel}: forward + backward on random batches of ROWS × SEQ tokens
 * (LoRA of rank RANK on all seven projections, or every weight with RANK 0), a warm-up, then the
 * best of REPS steps. Prints {@code train tok/s=<best> mean_tok/s=<all steps> cpu_ms_per_tok=<process CPU>}.
 *
 * <p>Usage: TrainModelBench MODEL THREADS ROWS SEQ RANK REPS [recompute] [qlora]
 */
public final class TrainModelBench {
    public static void main(String[] a) {
        Path model = Path.of(a[0]);
        int threads = Integer.parseInt(a[1]), rows = Integer.parseInt(a[2]), seq = Integer.parseInt(a[3]);
        int rank = Integer.parseInt(a[4]), reps = Integer.parseInt(a[5]);
        boolean recompute = a.length > 6 && Boolean.parseBoolean(a[6]);
        boolean qlora = a.length > 7 && Boolean.parseBoolean(a[7]);
        Kernels.setThreads(threads);
        try (ModelFile f = ModelLoader.open(model);
             TrainModel m = rank == 0 ? TrainModel.full(f, rows, seq, recompute)
                     : TrainModel.lora(f, new LoraSpec(rank, 2f * rank, Set.copyOf(LoraSpec.ALL), qlora), rows, seq, 1, recompute)) {
            Random rnd = new Random(1);
            int n = rows * seq;
            int[] in = new int[n], tg = new int[n];
            float[] mask = new float[n];
            for (int i = 0; i < n; i++) {
                in[i] = rnd.nextInt(m.vocabSize());
                tg[i] = rnd.nextInt(m.vocabSize());
                mask[i] = 1;
            }
            Batch b = new Batch(rows, seq, in, tg, mask);
            for (int i = 0; i < 3; i++) m.forwardBackward(b, 1f / n);
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long best = Long.MAX_VALUE, c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                long s = System.nanoTime();
                m.forwardBackward(b, 1f / n);
                best = Math.min(best, System.nanoTime() - s);
            }
            long total = System.nanoTime() - t0, cpu = os.getProcessCpuTime() - c0;
            System.out.printf("train tok/s=%.0f mean_tok/s=%.0f cpu_ms_per_tok=%.4f base_mb=%.2f base_f32_mb=%.2f%n",
                    n / (best / 1e9), (double) n * reps / (total / 1e9), cpu / 1e6 / ((double) n * reps),
                    m.baseBytes() / 1e6, m.baseBytesF32() / 1e6);
        }
    }
}
