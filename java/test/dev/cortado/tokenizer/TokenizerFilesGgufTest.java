package dev.cortado.tokenizer;

import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.gguf.GgufValue;
import dev.cortado.io.gguf.GgufValueType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** TokenizerData ↔ GGUF metadata: llama.cpp's keys and types, round trips, and llama.cpp-written files. */
class TokenizerFilesGgufTest {
    @Test
    void writesLlamaCppKeysAndTypes() {
        TokenizerData t = TokenizerFiles.fromLlama2c(TestFiles.sharedFile("models/stories260K/tok512.bin"), 512)
                .withMerges(null);
        t = new TokenizerData(t.model(), t.pre(), t.tokens(), t.scores(), t.tokenTypes(), null, t.bosId(), t.eosId(),
                t.unkId(), 0, 2, t.addBos(), false, "{{ x }}");
        GgufMetadata md = new GgufMetadata().putString("general.architecture", "llama");
        TokenizerFiles.toGguf(t, md);
        assertEquals(GgufValue.ofString("llama"), md.get("tokenizer.ggml.model"));
        assertEquals(GgufValue.ofString("default"), md.get("tokenizer.ggml.pre"));
        assertType(md, "tokenizer.ggml.tokens", GgufValueType.ARRAY, GgufValueType.STRING);
        assertType(md, "tokenizer.ggml.scores", GgufValueType.ARRAY, GgufValueType.FLOAT32);
        assertType(md, "tokenizer.ggml.token_type", GgufValueType.ARRAY, GgufValueType.INT32);
        for (String k : List.of("bos", "eos", "unknown", "padding", "eot"))
            assertType(md, "tokenizer.ggml." + k + "_token_id", GgufValueType.UINT32, null);
        assertEquals(GgufValue.ofBool(true), md.get("tokenizer.ggml.add_bos_token"));
        assertEquals(GgufValue.ofBool(false), md.get("tokenizer.ggml.add_eos_token"));
        assertEquals(GgufValue.ofString("{{ x }}"), md.get("tokenizer.chat_template"));
        assertFalse(md.contains("tokenizer.ggml.merges"));
        assertEquals(t, TokenizerFiles.fromGguf(md));
    }

    @Test
    void byteLevelRoundTripsWithMerges() {
        TokenizerData t = TokenizerFilesHuggingFaceTest.hf("tokenizers/hf/qwen3");
        GgufMetadata md = new GgufMetadata();
        TokenizerFiles.toGguf(t, md);
        assertType(md, "tokenizer.ggml.merges", GgufValueType.ARRAY, GgufValueType.STRING);
        assertFalse(md.contains("tokenizer.ggml.scores"));
        assertFalse(md.contains("tokenizer.ggml.bos_token_id"));
        assertEquals(t, TokenizerFiles.fromGguf(md));
    }

    @Test
    void llamaLosesOnlyItsMergesInGguf() {
        TokenizerData t = TokenizerFilesHuggingFaceTest.hf("models/tinystories-656k");
        GgufMetadata md = new GgufMetadata();
        TokenizerFiles.toGguf(t, md);
        assertEquals(t.withMerges(null), TokenizerFiles.fromGguf(md));
    }

    @Test
    void rewritingReplacesOnlyModelledKeys() {
        GgufMetadata md = new GgufMetadata().putUint32("tokenizer.ggml.sep_token_id", 5)
                .putUint32("tokenizer.ggml.padding_token_id", 3);
        TokenizerData t = new TokenizerData("gpt2", null, List.of("a", "b"), null, null, List.of("a b"),
                null, 1, null, null, null, null, null, null);
        TokenizerFiles.toGguf(t, md);
        assertFalse(md.contains("tokenizer.ggml.padding_token_id"), "stale: the data has no pad");
        assertTrue(md.contains("tokenizer.ggml.sep_token_id"), "not modelled: kept");
        assertEquals(t, TokenizerFiles.fromGguf(md));
    }

    @Test
    void noTokenizerGivesNull() {
        assertNull(TokenizerFiles.fromGguf(new GgufMetadata().putString("general.architecture", "llama")));
    }

    @Test
    void inconsistentMetadataIsACortadoException() {
        GgufMetadata md = new GgufMetadata().putString("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", GgufValue.ofStrings(new String[] {"a", "b"}))
                .put("tokenizer.ggml.scores", GgufValue.ofFloats(new float[] {0f}));
        var e = assertThrows(CortadoException.class, () -> TokenizerFiles.fromGguf(md));
        assertTrue(e.getMessage().contains("tokenizer.ggml.scores has 1 entries but there are 2 tokens"), e.getMessage());
        md.put("tokenizer.ggml.scores", GgufValue.ofString("x"));
        assertThrows(CortadoException.class, () -> TokenizerFiles.fromGguf(md));
        md.remove("tokenizer.ggml.scores").putString("tokenizer.ggml.tokens", "x");
        assertThrows(CortadoException.class, () -> TokenizerFiles.fromGguf(md));
        // An id outside the vocabulary is ignored, as llama.cpp does.
        md.put("tokenizer.ggml.tokens", GgufValue.ofStrings(new String[] {"a", "b"})).putUint32("tokenizer.ggml.bos_token_id", 7);
        assertNull(TokenizerFiles.fromGguf(md).bosId());
    }

    /** llama.cpp-written files: everything read writes back to the same keys with the same types and values. */
    @ParameterizedTest
    @ValueSource(strings = {"models/llama-2-tiny-random/llama-2-tiny-random.gguf",
            "tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf", "tokenizers/llama.cpp-vocab/ggml-vocab-phi-3.gguf",
            "tokenizers/llama.cpp-vocab/ggml-vocab-gpt-2.gguf", "tokenizers/llama.cpp-vocab/ggml-vocab-falcon.gguf",
            "tokenizers/llama.cpp-vocab/ggml-vocab-deepseek-coder.gguf", "tokenizers/llama.cpp-vocab/ggml-vocab-bert-bge.gguf",
            "tokenizers/llama.cpp-vocab/ggml-vocab-baichuan.gguf"})
    void llamaCppFilesRoundTrip(String file) throws Exception {
        GgufMetadata original = readMetadata(TestFiles.sharedFile(file));
        TokenizerData t = TokenizerFiles.fromGguf(original);
        assertNotNull(t);
        GgufMetadata written = new GgufMetadata();
        TokenizerFiles.toGguf(t, written);
        for (String key : written.keys()) assertEquals(original.get(key), written.get(key), file + " " + key);
        for (String key : original.keys()) {
            if (isModelled(key) && !(key.equals("tokenizer.ggml.merges") && t.model().equals("llama")))
                assertTrue(written.contains(key), file + " lost " + key);
        }
    }

    @Test
    void llama2cVocabularyMatchesLlamaCppConversion() throws Exception {
        // llama-2-tiny-random.gguf carries Meta's Llama 2 vocabulary as llama.cpp converted it.
        TokenizerData gguf = TokenizerFiles.fromGguf(readMetadata(
                TestFiles.sharedFile("models/llama-2-tiny-random/llama-2-tiny-random.gguf")));
        TokenizerData fromBin = TokenizerFiles.fromLlama2c(TestFiles.sharedFile("tokenizers/llama2c/tokenizer.bin"), 32000);
        assertEquals(gguf.tokens(), fromBin.tokens());
        assertArrayEquals(gguf.scores(), fromBin.scores());
        assertArrayEquals(gguf.tokenTypes(), fromBin.tokenTypes());
        assertEquals(gguf.bosId(), fromBin.bosId());
        assertEquals(gguf.eosId(), fromBin.eosId());
        assertEquals(gguf.unkId(), fromBin.unkId());
        TokenizerData spm = TokenizerFiles.fromGguf(readMetadata(
                TestFiles.sharedFile("tokenizers/llama.cpp-vocab/ggml-vocab-llama-spm.gguf")));
        assertEquals(spm, fromBin);  // that file also says add_bos true, add_eos false, pre "default"
    }

    private static boolean isModelled(String key) {
        return key.equals("tokenizer.chat_template") || List.of("model", "pre", "tokens", "scores", "token_type", "merges",
                "bos_token_id", "eos_token_id", "unknown_token_id", "padding_token_id", "eot_token_id", "add_bos_token",
                "add_eos_token").stream().anyMatch(k -> key.equals("tokenizer.ggml." + k));
    }

    private static void assertType(GgufMetadata md, String key, GgufValueType type, GgufValueType element) {
        GgufValue v = md.get(key);
        assertNotNull(v, key);
        assertEquals(type, v.type(), key);
        assertEquals(element, v.elementType(), key);
    }

    private static GgufMetadata readMetadata(java.nio.file.Path file) {
        try (dev.cortado.io.gguf.GgufFile g = dev.cortado.io.gguf.GgufFile.open(file)) {
            return g.metadata();
        }
    }
}
