package dev.cortado;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find {@code ../shared} and {@code testdata/}; shared files skip when absent. */
public final class TestFiles {
    private TestFiles() {}

    public static Path shared() {
        return Path.of(System.getProperty("cortado.shared", "../shared"));
    }

    public static Path testdata() {
        return Path.of(System.getProperty("cortado.testdata", "testdata"));
    }

    /** A file under ../shared; the calling test is skipped, saying which file, when it is absent. */
    public static Path sharedFile(String relative) {
        Path p = shared().resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "skipped: " + p + " is absent (../shared not beside the checkout?)");
        return p;
    }
}
