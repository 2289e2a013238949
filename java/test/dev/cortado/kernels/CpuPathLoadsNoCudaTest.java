package dev.cortado.kernels;

import dev.cortado.TestFiles;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.Transformer;
import dev.cortado.model.Generator;
import dev.cortado.model.Sampler;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU path never touches CUDA: a greedy generation in a fresh JVM (this test's JVM may already
 * have loaded CUDA for CudaKernelsTest) loads neither Cuda nor CudaKernels (-Xlog:class+load) nor maps their JNI library
 * (/proc/self/maps), so the CPU library works on machines without any CUDA.
 */
class CpuPathLoadsNoCudaTest {
    @Test
    void cpuGenerateLoadsNoCudaLibrary() throws Exception {
        Path model = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xlog:class+load=info", "-cp", System.getProperty("java.class.path"),
                CpuPathLoadsNoCudaTest.class.getName(), model.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("generated "), out);
        assertTrue(out.contains("jniCpuKernels mapped: true"), "the check itself works: " + out);
        assertFalse(out.contains("dev.cortado.kernels.CudaKernels "), "CudaKernels was loaded on the CPU path");
        assertFalse(out.contains("dev.cortado.kernels.Cuda "), "Cuda was loaded on the CPU path");
        assertTrue(out.contains("jniCudaKernels mapped: false"), out);
    }

    /** The child: a short CPU generation, then what was loaded. */
    public static void main(String[] args) throws IOException {
        try (ModelFile f = ModelLoader.open(Path.of(args[0])); Transformer t = new Transformer(f, 0, 32)) {
            Tokenizer tok = Tokenizers.of(f.tokenizer());
            Generator g = new Generator(t, tok, new Sampler(Sampler.Settings.greedy()));
            Generator.Result r = g.generate(tok.encodeForModel("Once"), 20, true, (id, text) -> { });
            System.out.println("generated " + r.generated().length);
        }
        List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
        System.out.println("jniCudaKernels mapped: " + maps.stream().anyMatch(l -> l.contains("jniCudaKernels")));
        System.out.println("jniCpuKernels mapped: " + maps.stream().anyMatch(l -> l.contains("jniCpuKernels")));
    }
}
