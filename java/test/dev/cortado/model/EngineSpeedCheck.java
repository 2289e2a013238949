package dev.cortado.model;

import dev.cortado.TestFiles;
import dev.cortado.kernels.Kernels;
import dev.cortado.tokenizer.Tokenizers;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * Tokens per second on the shared models after JIT warm-up; runs only with -Dcortado.speed=true
 * (timings are not tests). Threads from -Dcortado.threads (default 2).
 */
class EngineSpeedCheck {
    @Test
    void speed() {
        Assumptions.assumeTrue(Boolean.getBoolean("cortado.speed"), "speed check: run with -Dcortado.speed=true");
        Kernels.setThreads(Integer.getInteger("cortado.threads", 2));
        for (String m : new String[]{"models/stories260K/stories260K.bin", "models/tinystories-656k"}) {
            Path p = TestFiles.sharedFile(m);
            try (ModelFile f = ModelLoader.open(p); Transformer t = new Transformer(f, 0, 64)) {
                var tok = Tokenizers.of(f.tokenizer());
                int[] prompt = tok.encodeForModel("Once upon a time");
                Generator.Result r = null;
                for (int i = 0; i < 5; i++) {
                    r = new Generator(t, tok, new Sampler(Sampler.Settings.greedy())).generate(prompt, 256, (id, s) -> {});
                }
                System.out.printf("%s (%d threads): prompt %d tokens %.0f tok/s, generate %d tokens %.0f tok/s%n", p.getFileName(),
                        Kernels.threads(), prompt.length, r.promptTokensPerSecond(), r.generated().length, r.generateTokensPerSecond());
            }
        }
    }
}
