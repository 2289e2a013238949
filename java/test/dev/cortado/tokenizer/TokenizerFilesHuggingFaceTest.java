package dev.cortado.tokenizer;

import dev.cortado.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static dev.cortado.tokenizer.TokenizerData.*;
import static org.junit.jupiter.api.Assertions.*;

/** Hugging Face tokenizer.json (+ tokenizer_config.json) read as llama.cpp reads it, and written back. */
class TokenizerFilesHuggingFaceTest {
    @TempDir
    Path tmp;

    static TokenizerData hf(String dir) {
        Path d = TestFiles.sharedFile(dir + "/tokenizer.json").getParent();
        return TokenizerFiles.fromHuggingFace(d.resolve("tokenizer.json"), d.resolve("tokenizer_config.json"));
    }

    @Test
    void tinyStoriesIsSentencePieceStyleWithScoresFromMergeOrder() {
        TokenizerData t = hf("models/tinystories-656k");
        assertEquals("llama", t.model());
        assertEquals("default", t.pre());
        assertEquals(2048, t.vocabSize());  // config.json beside says 2048 too
        assertEquals(List.of("<unk>", "<|start_story|>", "<|end_story|>", "\n"), t.tokens().subList(0, 4));
        assertEquals("▁", t.tokens().get(80));
        assertArrayEquals(new int[] {UNKNOWN, CONTROL, CONTROL, NORMAL}, java.util.Arrays.copyOf(t.tokenTypes(), 4));
        assertEquals(1967, t.merges().size());
        assertEquals("e ▁", t.merges().get(0));
        // "e▁" (81) comes from merge 0, "th" (83) from merge 2; single characters score below every merge.
        assertEquals(0f, t.scores()[81]);
        assertEquals(-2f, t.scores()[83]);
        assertTrue(t.scores()[57] < -1967f, "'e' scores below all merges");
        assertEquals(0f, t.scores()[1]);
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
        assertEquals(0, t.unkId());
        assertEquals(0, t.padId());
        assertNull(t.eotId());
        assertEquals(true, t.addBos());
        assertEquals(false, t.addEos());
        assertNull(t.chatTemplate());
    }

    @Test
    void mistralLikeHasByteTokensAndBosFromConfig() {
        TokenizerData t = hf("tokenizers/hf/mistral-7b-v0.1-like");
        assertEquals("llama", t.model());
        assertEquals(32000, t.vocabSize());
        assertEquals("<0x0A>", t.tokens().get(13));
        assertEquals(BYTE, t.tokenTypes()[13]);
        assertEquals(UNKNOWN, t.tokenTypes()[0]);
        assertEquals(CONTROL, t.tokenTypes()[1]);
        assertEquals(22557, t.tokenIds().get("▁Hello"));
        assertEquals(true, t.addBos());
        assertNull(t.padId());
        // Its merges list every split of each piece, grouped by piece in score order, as Hugging Face's
        // SentencePiece converter writes them: rebuilding them from the derived scores gives the same list.
        assertEquals(t.merges(), SpmScores.toMerges(t.tokens(), t.tokenTypes(), t.scores()));
    }

    @Test
    void tinyStoriesMergesSurviveScoresInOrder() {
        // A trained merge list has one merge per new piece; merges rebuilt from the scores (every split of
        // every piece) must hold it as a subsequence, in order.
        TokenizerData t = hf("models/tinystories-656k");
        List<String> rebuilt = SpmScores.toMerges(t.tokens(), t.tokenTypes(), t.scores());
        int j = 0;
        for (String m : rebuilt) if (j < t.merges().size() && m.equals(t.merges().get(j))) j++;
        assertEquals(t.merges().size(), j, "original merge " + j + " is out of order in the rebuilt list");
    }

    @Test
    void llama3IsByteLevelWithLlamaBpeRegex() {
        TokenizerData t = hf("tokenizers/hf/llama3");
        assertEquals("gpt2", t.model());
        assertEquals("llama-bpe", t.pre());
        assertEquals(128256, t.vocabSize());
        assertNull(t.scores());
        assertEquals(280147, t.merges().size());
        assertEquals("Ġ Ġ", t.merges().get(0));
        assertEquals("<|begin_of_text|>", t.tokens().get(128000));
        assertEquals(CONTROL, t.tokenTypes()[128000]);
        assertEquals(NORMAL, t.tokenTypes()[127999]);
        assertEquals(128000, t.bosId());
        assertEquals(128001, t.eosId());
        assertNull(t.unkId());
        assertNull(t.addBos(), "neither the config nor the post-processor says");
        assertTrue(t.chatTemplate().contains("<|start_header_id|>"));
    }

    @Test
    void qwen3IsByteLevelWithQwen2RegexAndArrayMerges() {
        TokenizerData t = hf("tokenizers/hf/qwen3");
        assertEquals("gpt2", t.model());
        assertEquals("qwen2", t.pre());
        assertEquals(151669, t.vocabSize());
        assertEquals(151387, t.merges().size());
        assertEquals("Ġ Ġ", t.merges().get(0));  // from the [a, b] form
        int think = t.tokenIds().get("<think>"), fim = t.tokenIds().get("<|fim_prefix|>");
        assertEquals(USER_DEFINED, t.tokenTypes()[think]);
        assertEquals(CONTROL, t.tokenTypes()[fim], "not marked special, but looks special to llama.cpp");
        assertEquals(CONTROL, t.tokenTypes()[151643]);
        assertNull(t.bosId());
        assertEquals(151645, t.eosId());
        assertEquals(151643, t.padId());
        assertEquals(false, t.addBos());
        assertTrue(t.chatTemplate().startsWith("{%- if tools %}"));
    }

    @Test
    void minuezaCarriesChatTemplateAndAddedEos() {
        TokenizerData t = hf("tokenizers/hf/minueza-32m-ultrachat");
        assertEquals("llama", t.model());
        assertEquals(32002, t.vocabSize());
        assertEquals(32000, t.eosId());
        assertEquals(CONTROL, t.tokenTypes()[32001]);
        assertEquals(2, t.padId());
        assertEquals(false, t.addBos());
        assertTrue(t.chatTemplate().contains("<|im_start|>"));
    }

    @Test
    void writtenDirectoriesReadBackTheSame() {
        for (String dir : List.of("models/tinystories-656k", "tokenizers/hf/mistral-7b-v0.1-like",
                "tokenizers/hf/minueza-32m-ultrachat", "tokenizers/hf/llama3", "tokenizers/hf/qwen3")) {
            TokenizerData t = hf(dir);
            Path out = tmp.resolve(dir.replace('/', '_'));
            TokenizerFiles.writeHuggingFace(t, out);
            TokenizerData back = TokenizerFiles.fromHuggingFace(out.resolve("tokenizer.json"), out.resolve("tokenizer_config.json"));
            assertEquals(t, back, dir);
        }
    }

    @Test
    void llamaWithoutMergesGetsThemFromScores() {
        // What a GGUF "llama" vocabulary gives: no merges. Written out, the merges come from the scores,
        // and reading that file back gives the same scores and the same tokens.
        TokenizerData t = hf("tokenizers/hf/mistral-7b-v0.1-like");
        TokenizerFiles.writeHuggingFace(t.withMerges(null), tmp);
        TokenizerData back = TokenizerFiles.fromHuggingFace(tmp.resolve("tokenizer.json"), tmp.resolve("tokenizer_config.json"));
        assertEquals(t, back);
    }

    @Test
    void chatTemplateListTakesDefault() throws Exception {
        Path src = TestFiles.sharedFile("models/tinystories-656k/tokenizer.json");
        java.nio.file.Files.writeString(tmp.resolve("tokenizer_config.json"),
                "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"}, {\"name\": \"default\", \"template\": \"D\"}],"
                        + " \"add_bos_token\": false}");
        TokenizerData t = TokenizerFiles.fromHuggingFace(src, tmp.resolve("tokenizer_config.json"));
        assertEquals("D", t.chatTemplate());
        assertEquals(false, t.addBos());
        assertEquals(1, t.bosId(), "from config.json beside tokenizer.json");
    }

    @Test
    void postProcessorBosWithoutConfig() {
        // No tokenizer_config.json: the TemplateProcessing that starts with <s> gives BOS and add_bos.
        TokenizerData t = TokenizerFiles.fromHuggingFace(
                TestFiles.sharedFile("tokenizers/hf/mistral-7b-v0.1-like/tokenizer.json"), null);
        assertEquals(1, t.bosId());
        assertEquals(true, t.addBos());
        assertNull(t.addEos());
        assertNull(t.eosId());
        assertEquals(0, t.unkId(), "the model's unk_token");
    }
}
