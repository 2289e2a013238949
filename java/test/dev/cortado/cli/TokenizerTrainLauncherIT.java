package dev.cortado.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tools/cortado tokenizer train} as a user runs it: the launcher's own JVM options for the
 * command (serial collector, small starting heap, C1 for small inputs, the slim entry point) train,
 * give way to a collector named in CORTADO_JAVA_OPTS, and keep errors to one line with status 2.
 */
class TokenizerTrainLauncherIT {
    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {}

    private static Result run(Map<String, String> env, String... args) throws Exception {
        Path home = Path.of(System.getProperty("cortado.home", "."));
        List<String> cmd = new java.util.ArrayList<>(List.of(home.resolve("tools/cortado").toString(), "tokenizer", "train"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("train-out", ".txt"), err = Files.createTempFile("train-err", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished");
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void trainsWithTheLaunchersOptionsAndWithTheUsersCollector() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 500; i++) sb.append("a line of text number ").append(i).append(" for the launcher\n");
        Path text = Files.writeString(tmp.resolve("t.txt"), sb.toString());
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        Result r = run(Map.of(), "--input", text.toString(), "--vocab-size", "300", "--out", a.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("vocabulary 300"), r.out());
        // a collector in CORTADO_JAVA_OPTS replaces the launcher's (two would stop the JVM)
        Result p = run(Map.of("CORTADO_JAVA_OPTS", "-XX:+UseParallelGC -Xmx256m"), "--input=" + text, "--vocab-size",
                "300", "--out", b.toString());
        assertEquals(0, p.code(), p.err());
        assertEquals(Files.readString(a.resolve("tokenizer.json")), Files.readString(b.resolve("tokenizer.json")));
    }

    @Test
    void errorsAreOneLineWithStatus2() throws Exception {
        Result r = run(Map.of(), "--input", tmp.resolve("missing.txt").toString(), "--vocab-size", "300", "--out",
                tmp.resolve("o").toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("cortado: ") && r.err().contains("missing.txt"), r.err());
    }
}
