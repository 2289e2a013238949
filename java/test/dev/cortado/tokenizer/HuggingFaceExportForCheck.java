package dev.cortado.tokenizer;

import dev.cortado.TestFiles;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Not a unit test: writes Hugging Face tokenizers for {@code tools/check-hf-tokenizers.sh}, which
 * encodes text with the Hugging Face {@code tokenizers} library through the originals and the written
 * files and compares the ids. Runs only when {@code -Dcortado.hfExport=DIR} is given.
 */
class HuggingFaceExportForCheck {
    @Test
    void export() throws Exception {
        String dir = System.getProperty("cortado.hfExport");
        Assumptions.assumeTrue(dir != null, "only with -Dcortado.hfExport=DIR (tools/check-hf-tokenizers.sh)");
        Path out = Path.of(dir).toAbsolutePath();
        List<String> manifest = new ArrayList<>();
        for (String src : List.of("models/tinystories-656k", "tokenizers/hf/mistral-7b-v0.1-like",
                "tokenizers/hf/minueza-32m-ultrachat", "tokenizers/hf/llama3", "tokenizers/hf/qwen3")) {
            TokenizerData t = TokenizerFilesHuggingFaceTest.hf(src);
            Path original = TestFiles.shared().resolve(src).resolve("tokenizer.json").toAbsolutePath();
            String name = src.substring(src.lastIndexOf('/') + 1);
            TokenizerFiles.writeHuggingFace(t, out.resolve(name));
            manifest.add(entry(name, out.resolve(name), original, null));
            if ("llama".equals(t.model())) {
                // As from a GGUF: no merges, so they are rebuilt from the scores derived from the merge order.
                TokenizerFiles.writeHuggingFace(t.withMerges(null), out.resolve(name + "-from-scores"));
                manifest.add(entry(name + "-from-scores", out.resolve(name + "-from-scores"), original, null));
            }
        }
        Path bin = TestFiles.sharedFile("tokenizers/llama2c/tokenizer.bin");
        TokenizerFiles.writeHuggingFace(TokenizerFiles.fromLlama2c(bin, 32000), out.resolve("llama2c-32000"));
        manifest.add(entry("llama2c-32000", out.resolve("llama2c-32000"), null,
                TestFiles.shared().resolve("tokenizers/llama2c/expected_encodings.json").toAbsolutePath()));
        Path tok512 = TestFiles.sharedFile("models/stories260K/tok512.bin");
        TokenizerFiles.writeHuggingFace(TokenizerFiles.fromLlama2c(tok512, 512), out.resolve("stories260K"));
        Path expected512 = out.resolve("stories260K-expected.json");
        // The prompt ids the shared README gives for stories260K.
        Files.writeString(expected512, "[{\"text\": \"Once upon a time\", \"ids\": [1, 403, 407, 261, 378]}]");
        manifest.add(entry("stories260K", out.resolve("stories260K"), null, expected512));
        Files.writeString(out.resolve("manifest.json"), "[\n" + String.join(",\n", manifest) + "\n]\n");
    }

    private static String entry(String name, Path written, Path original, Path expected) {
        return "{\"name\": \"" + name + "\", \"written\": \"" + written.resolve("tokenizer.json") + "\", \"original\": "
                + (original == null ? "null" : "\"" + original + "\"") + ", \"expected\": "
                + (expected == null ? "null" : "\"" + expected + "\"") + "}";
    }
}
