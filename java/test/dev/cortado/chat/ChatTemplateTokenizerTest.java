package dev.cortado.chat;

import dev.cortado.TestFiles;
import dev.cortado.tokenizer.TokenizerData;
import dev.cortado.tokenizer.TokenizerFiles;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static dev.cortado.chat.ChatTemplateSharedTest.CONVERSATION;
import static org.junit.jupiter.api.Assertions.*;

/** Templates as tokenizer files carry them, with the vocabulary's BOS/EOS texts. */
class ChatTemplateTokenizerTest {
    static TokenizerData hf(String name) {
        Path dir = TestFiles.sharedFile("tokenizers/hf/" + name);
        return TokenizerFiles.fromHuggingFace(dir.resolve("tokenizer.json"), dir.resolve("tokenizer_config.json"));
    }

    @Test
    void minuezaChatml() {
        ChatTemplate t = ChatTemplate.forTokenizer(hf("minueza-32m-ultrachat"), null).orElseThrow();
        assertEquals(ChatFamily.CHATML, t.family());
        assertEquals(List.of("<|im_end|>"), t.stopStrings());
        assertEquals("<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\nHi there! How can I help?<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", t.render(CONVERSATION, true));
    }

    @Test
    void qwen3() {
        ChatTemplate t = ChatTemplate.forTokenizer(hf("qwen3"), null).orElseThrow();
        assertEquals(ChatFamily.CHATML, t.family());
        String text = t.render(CONVERSATION, true);
        assertTrue(text.startsWith("<|im_start|>user\nHello!<|im_end|>\n"), text);
        assertTrue(text.endsWith("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"), text);
    }

    @Test
    void baseVocabularyHasNoTemplate() {
        TokenizerData t = hf("mistral-7b-v0.1-like");
        assertEquals(Optional.empty(), ChatTemplate.forTokenizer(t, null));
        assertEquals("<s>[INST] Hi [/INST]", ChatTemplate.forTokenizer(t, "mistral").orElseThrow()
                .render(List.of(ChatMessage.user("Hi")), true));
    }
}
