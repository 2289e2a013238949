package dev.cortado.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tools/cortado} as a user runs it, on the shaded jar that {@code make} builds: the native
 * library loads from the jar, the commands work, and errors are one line with status 2.
 */
class LauncherIT {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    static Result cortado(String... args) throws IOException, InterruptedException {
        Path home = Path.of(System.getProperty("cortado.home", "."));
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("tools/cortado").toString());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("cortado-out", ".txt");
        Path err = Files.createTempFile("cortado-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "cortado " + String.join(" ", args) + " finished");
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void versionAndHelp() throws Exception {
        Result v = cortado("--version");
        assertEquals(0, v.code(), v.err());
        assertTrue(v.out().contains("CPU kernels:"), v.out());
        Result h = cortado("--help");
        assertEquals(0, h.code(), h.err());
        for (String c : new String[] {"inspect", "convert", "quantize"}) assertTrue(h.out().contains(c), h.out());
        for (String c : new String[] {"inspect", "convert", "quantize"}) {
            Result ch = cortado(c, "--help");
            assertEquals(0, ch.code(), c + ": " + ch.err());
        }
    }

    @Test
    void convertQuantizeInspect() throws Exception {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        Path gguf = tmp.resolve("stories.gguf");
        Result c = cortado("convert", "--in", bin.toString(), "--out", gguf.toString());
        assertEquals(0, c.code(), c.err());
        Path q = tmp.resolve("stories-q8.gguf");
        Result qr = cortado("quantize", gguf.toString(), q.toString(), "--type", "q8_0");
        assertEquals(0, qr.code(), qr.err());
        Result i = cortado("inspect", q.toString(), "--json");
        assertEquals(0, i.code(), i.err());
        JsonNode j = new ObjectMapper().readTree(i.out());
        assertEquals("llama", j.get("architecture").asText());
        assertEquals(7, j.get("metadata").get("general.file_type").asInt());
    }

    @Test
    void badInputIsOneLineAndStatus2() throws Exception {
        Path bad = tmp.resolve("bad.gguf");
        Files.write(bad, new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, 127});
        Result r = cortado("inspect", bad.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("cortado: ") && r.err().contains("bad.gguf"), r.err());
    }
}
