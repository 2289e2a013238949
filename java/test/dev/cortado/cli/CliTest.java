package dev.cortado.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.TestFiles;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands end to end, in process: output, exit codes, and one-line errors. */
class CliTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StringWriter cliErr = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(cliErr, true));
            int code = cl.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), cliErr + err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void versionNamesTheKernels() {
        Run r = run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("CPU kernels:"), r.out());
        assertTrue(r.out().contains("CUDA:"), r.out());
    }

    @Test
    void inspectJsonDescribesStories260k() throws Exception {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        Run r = run("inspect", bin.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("llama", j.get("architecture").asText());
        assertEquals(64, j.get("hyperparameters").get("dim").asInt());
        assertEquals(5 * 9 + 2, j.get("tensors").size());
        assertEquals("llama", j.get("tokenizer").get("model").asText());
        assertFalse(j.get("chat_template").asBoolean());
    }

    @Test
    void inspectTextShowsGgufMetadataAndTensors() {
        Path gguf = TestFiles.sharedFile("models/llama-2-tiny-random/llama-2-tiny-random.gguf");
        Run r = run("inspect", gguf.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("GGUF v3"), r.out());
        assertTrue(r.out().contains("token_embd.weight"), r.out());
        assertTrue(r.out().contains("tokenizer.ggml.tokens"), r.out());
    }

    @Test
    void missingFileIsOneLineAndStatus2() {
        Run r = run("inspect", tmp.resolve("nope.gguf").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("cortado: "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("nope.gguf"), r.err());
    }

    @Test
    void truncatedCheckpointFailsCleanlyAndWritesNothing() throws Exception {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        byte[] all = Files.readAllBytes(bin);
        Path bad = tmp.resolve("bad.bin");
        Files.write(bad, java.util.Arrays.copyOf(all, all.length / 2));
        Path out = tmp.resolve("out.gguf");
        Run r = run("convert", "--in", bad.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("cortado: ") && r.err().contains("bad.bin"), r.err());
        assertFalse(Files.exists(out));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "only the bad input is left: no temp or scratch files");
        }
    }

    @Test
    void quantizeReportsSizes() {
        Path gguf = TestFiles.sharedFile("models/llama-2-tiny-random/llama-2-tiny-random.gguf");
        Path out = tmp.resolve("q8.gguf");
        Run r = run("quantize", gguf.toString(), out.toString(), "--type", "q8_0");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out));
        assertTrue(r.out().contains("->"), r.out());
        Run i = run("inspect", out.toString(), "--json");
        assertEquals(0, i.code(), i.err());
    }

    @Test
    void unknownTypeIsRefused() {
        Path gguf = TestFiles.sharedFile("models/llama-2-tiny-random/llama-2-tiny-random.gguf");
        Run r = run("quantize", gguf.toString(), tmp.resolve("x.gguf").toString(), "--type", "q3_x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("q3_x"), r.err());
    }

    @Test
    void convertStoriesToGgufAndDirectory() {
        Path bin = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        Path gguf = tmp.resolve("s.gguf");
        assertEquals(0, run("convert", "--in", bin.toString(), "--out", gguf.toString(), "--type", "f16").code());
        Path dir = tmp.resolve("s-hf");
        Run r = run("convert", "--in", gguf.toString(), "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(dir.resolve("model.safetensors")));
        assertTrue(Files.exists(dir.resolve("config.json")));
        assertTrue(Files.exists(dir.resolve("tokenizer.json")));
        assertTrue(Files.exists(dir.resolve("tokenizer_config.json")));
    }
}
