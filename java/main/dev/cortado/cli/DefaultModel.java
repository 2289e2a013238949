package dev.cortado.cli;

import dev.cortado.CortadoException;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model {@code cortado chat} uses when no {@code --model} is given: Cortado's small demo chat
 * model, {@code testdata/default-model.gguf} of the checkout the running jar (target/cortado.jar)
 * or classes (target/classes) came from, so a fresh clone chats after {@code make}. The
 * environment variable {@code CORTADO_DEFAULT_MODEL} names another file.
 */
final class DefaultModel {
    static final String RELATIVE = "testdata/default-model.gguf";

    private DefaultModel() {}

    /** Where the default model should be (it may be absent). */
    static Path path() {
        String env = System.getenv("CORTADO_DEFAULT_MODEL");
        if (env != null && !env.isBlank()) return Path.of(env);
        try {
            Path code = Path.of(DefaultModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path target = code.getParent();  // target/ (from target/cortado.jar or target/classes)
            Path repo = target == null ? null : target.getParent();
            if (repo != null) return repo.resolve(RELATIVE);
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // no code source to go by: fall back to the working directory
        }
        return Path.of(RELATIVE);
    }

    /** The default model's path, or a one-line error saying how to get it. */
    static Path require() {
        Path p = path();
        if (!Files.isRegularFile(p)) {
            throw new CortadoException("no --model given and the default model " + p + " is not there "
                    + "(build it with `make default-model`, or give --model PATH)");
        }
        return p;
    }
}
