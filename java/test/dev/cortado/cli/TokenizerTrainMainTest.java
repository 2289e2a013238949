package dev.cortado.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's entry point for {@code cortado tokenizer train} behaves as the command does under
 * {@link Main}: the same files and summary, exit status 2 and {@code cortado: } on bad input, picocli's
 * usage errors, and help naming the full command.
 */
class TokenizerTrainMainTest {
    @TempDir
    Path tmp;

    private static CliTest.Run runSlim(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        StringWriter cliErr = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            CommandLine cl = TokenizerTrainMain.commandLine();
            cl.setErr(new PrintWriter(cliErr, true));
            int code = cl.execute(args);
            return new CliTest.Run(code, out.toString(StandardCharsets.UTF_8), cliErr + err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static String[] train(String... rest) {
        String[] a = new String[rest.length + 2];
        a[0] = "tokenizer";
        a[1] = "train";
        System.arraycopy(rest, 0, a, 2, rest.length);
        return a;
    }

    @Test
    void writesWhatTheFullCommandWrites() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 300; i++) sb.append("the quick brown fox ").append(i % 17).append(" jumps over the lazy dog\n");
        Path text = Files.writeString(tmp.resolve("t.txt"), sb.toString());
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        CliTest.Run full = CliTest.run(train("--input", text.toString(), "--vocab-size", "300", "--out", a.toString(),
                "--threads", "2"));
        CliTest.Run slim = runSlim("--input", text.toString(), "--vocab-size", "300", "--out", b.toString(), "--threads", "2");
        assertEquals(0, full.code(), full.err());
        assertEquals(0, slim.code(), slim.err());
        assertEquals(full.out().lines().skip(1).filter(l -> !l.contains("time:")).toList(),
                slim.out().lines().skip(1).filter(l -> !l.contains("time:")).toList());
        for (String f : new String[] {"tokenizer.json", "tokenizer.tiktoken"})
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
    }

    @Test
    void badInputAndUsageErrorsExitAsTheFullCommandDoes() throws Exception {
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "");
        Path out = tmp.resolve("tok");
        String[][] cases = {
            {"--input", empty.toString(), "--vocab-size", "300", "--out", out.toString()},
            {"--input", tmp.resolve("nope.txt").toString(), "--vocab-size", "300", "--out", out.toString()},
            {"--input", empty.toString(), "--out", out.toString()},          // missing --vocab-size
            {"--input", empty.toString(), "--vocab-size", "x", "--out", out.toString()},
        };
        for (String[] c : cases) {
            CliTest.Run full = CliTest.run(train(c)), slim = runSlim(c);
            assertEquals(full.code(), slim.code(), String.join(" ", c) + ": " + slim.err());
            assertTrue(slim.code() != 0, String.join(" ", c));
            assertEquals(full.err().lines().findFirst(), slim.err().lines().findFirst(), String.join(" ", c));
            assertFalse(Files.exists(out), String.join(" ", c));
        }
    }

    @Test
    void helpNamesTheWholeCommand() {
        CliTest.Run slim = runSlim("--help");
        assertEquals(0, slim.code());
        assertTrue(slim.out().startsWith("Usage: cortado tokenizer train "), slim.out());
        assertEquals(CliTest.run(train("--help")).out(), slim.out());
    }
}
