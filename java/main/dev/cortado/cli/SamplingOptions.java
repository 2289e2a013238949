package dev.cortado.cli;

import dev.cortado.CortadoException;
import dev.cortado.model.Sampler;
import picocli.CommandLine.Option;

/**
 * The sampling flags that {@code generate} and {@code chat} share (a picocli mixin), with llama.cpp's
 * defaults, and the {@link Sampler.Settings} they make.
 */
final class SamplingOptions {
    @Option(names = "--temp", paramLabel = "T", defaultValue = "0.8", description = "temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "keep the K most likely tokens; 0 = all (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "nucleus sampling; 1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", paramLabel = "M", defaultValue = "0.05", description = "drop tokens below M x the top probability; 0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0", description = "penalty for tokens seen in the last --repeat-last-n; 1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", defaultValue = "64", description = "tokens the repeat penalty looks back over (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "-1", description = "random seed; the same seed gives the same text; -1 = random (default)")
    long seed;

    /** The settings these flags describe; a bad value is a one-line CortadoException. */
    Sampler.Settings settings() {
        try {
            return new Sampler.Settings(temperature, topK, topP, minP, repeatPenalty, repeatLastN,
                    seed == -1 ? System.nanoTime() : seed);
        } catch (IllegalArgumentException e) {
            throw new CortadoException(e.getMessage());
        }
    }
}
