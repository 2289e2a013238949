package dev.cortado.tokenizer;

import dev.cortado.CortadoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Bad Hugging Face files give one-line CortadoExceptions naming the file, never a crash or a huge allocation. */
class TokenizerFilesBadInputTest {
    @TempDir
    Path tmp;

    private static final String BPE = "{\"model\": {\"type\": \"BPE\", \"byte_fallback\": true, \"vocab\": %s, \"merges\": %s}, \"added_tokens\": %s}";

    @Test
    void malformedOrUnsupportedTokenizerJson() throws Exception {
        expect("{\"model\": ", "malformed JSON at line 1");
        expect("[]", "no \"model\" object");
        expect("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}", "tokenizer model type 'WordPiece' is not supported");
        expect("{\"model\": {\"type\": \"Unigram\"}}", "'Unigram' is not supported");
        expect(String.format(BPE, "[]", "[]", "[]"), "model.vocab is not an object");
        expect(String.format(BPE, "{\"a\": \"x\"}", "[]", "[]"), "has no integer id");
        expect(String.format(BPE, "{\"a\": -1}", "[]", "[]"), "has id -1");
        expect(String.format(BPE, "{\"a\": 2147483000}", "[]", "[]"), "has id 2147483000, outside");
        expect(String.format(BPE, "{\"a\": 0}", "[\"ab\"]", "[]"), "merge \"ab\" is not two tokens");
        expect(String.format(BPE, "{\"a\": 0}", "[[\"a\"]]", "[]"), "is neither \"a b\" nor [a, b]");
        expect(String.format(BPE, "{\"a\": 0}", "{}", "[]"), "model.merges is not a list");
        expect(String.format(BPE, "{\"a\": 0}", "[]", "[{\"id\": 1}]"), "an added token has no content");
        expect(String.format(BPE, "{}", "[]", "[]"), "the vocabulary is empty");
        expect("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}", "neither byte-level");
    }

    @Test
    void missingAndBadConfigFiles() throws Exception {
        Path tj = tmp.resolve("tokenizer.json");
        Files.writeString(tj, String.format(BPE, "{\"a\": 0}", "[]", "[]"));
        Path missing = tmp.resolve("nope.json");
        var e = assertThrows(CortadoException.class, () -> TokenizerFiles.fromHuggingFace(missing, null));
        assertEquals(missing + ": no such file", e.getMessage());
        Path cfg = tmp.resolve("tokenizer_config.json");
        Files.writeString(cfg, "{\"chat_template\": 5}");
        e = assertThrows(CortadoException.class, () -> TokenizerFiles.fromHuggingFace(tj, cfg));
        assertTrue(e.getMessage().startsWith(cfg + ": chat_template is neither"), e.getMessage());
        Files.writeString(tmp.resolve("config.json"), "{\"vocab_size\": 99999999999}");
        e = assertThrows(CortadoException.class, () -> TokenizerFiles.fromHuggingFace(tj, null));
        assertTrue(e.getMessage().contains("config.json: vocab_size 99999999999 is out of range"), e.getMessage());
    }

    @Test
    void configVocabSizePadsLikeLlamaCpp() throws Exception {
        Path tj = tmp.resolve("tokenizer.json");
        Files.writeString(tj, String.format(BPE, "{\"<unk>\": 0, \"a\": 2}", "[]", "[]"));
        Files.writeString(tmp.resolve("config.json"), "{\"vocab_size\": 4, \"unk_token_id\": 0}");
        TokenizerData t = TokenizerFiles.fromHuggingFace(tj, null);
        assertEquals(List.of("<unk>", "[PAD1]", "a", "[PAD3]"), t.tokens());
        assertArrayEquals(new int[] {2, 5, 1, 5}, t.tokenTypes());
        // Written and read back, the fillers are left out of the file and come back.
        Path out = tmp.resolve("out");
        TokenizerFiles.writeHuggingFace(t, out);
        Files.writeString(out.resolve("config.json"), "{\"vocab_size\": 4}");
        assertEquals(t, TokenizerFiles.fromHuggingFace(out.resolve("tokenizer.json"), out.resolve("tokenizer_config.json")));
    }

    @Test
    void unknownModelCannotBeWrittenAsHuggingFace() {
        TokenizerData t = new TokenizerData("bert", "default", List.of("a"), null, null, null, null, null, null, null,
                null, null, null, null);
        var e = assertThrows(CortadoException.class, () -> TokenizerFiles.writeHuggingFace(t, tmp));
        assertTrue(e.getMessage().contains("'bert'"));
    }

    private void expect(String json, String problem) throws Exception {
        Path p = tmp.resolve("tokenizer.json");
        Files.writeString(p, json);
        var e = assertThrows(CortadoException.class, () -> TokenizerFiles.fromHuggingFace(p, null), json);
        assertTrue(e.getMessage().startsWith(p + ": ") && e.getMessage().contains(problem), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
