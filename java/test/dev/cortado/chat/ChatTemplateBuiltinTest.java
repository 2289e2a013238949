package dev.cortado.chat;

import dev.cortado.CortadoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static dev.cortado.chat.ChatTemplateSharedTest.CONVERSATION;
import static dev.cortado.chat.ChatTemplateSharedTest.withSystem;
import static org.junit.jupiter.api.Assertions.*;

/** The built-in templates against prompts written out by hand, and how a template is chosen. */
class ChatTemplateBuiltinTest {
    static String render(String name) {
        return ChatTemplate.builtin(name).render(withSystem(), true);
    }

    @Test
    void chatml() {
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nHello!<|im_end|>\n"
                + "<|im_start|>assistant\nHi there! How can I help?<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n", render("chatml"));
        assertEquals(List.of("<|im_end|>"), ChatTemplate.builtin("chatml").stopStrings());
    }

    @Test
    void llama3() {
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHi there! How can I help?<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", render("llama3"));
        assertEquals(List.of("<|eot_id|>", "<|eom_id|>"), ChatTemplate.builtin("llama3").stopStrings());
    }

    @Test
    void llama2() {
        assertEquals("<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nHello! [/INST] Hi there! How can I help? </s>"
                + "<s>[INST] What is 2+2? [/INST]", render("llama2"));
        assertEquals("<s>[INST] Hello! [/INST] Hi there! How can I help? </s><s>[INST] What is 2+2? [/INST]",
                ChatTemplate.builtin("llama2").render(CONVERSATION, true));
        assertEquals(List.of("</s>"), ChatTemplate.builtin("llama2").stopStrings());
    }

    @Test
    void mistral() {
        assertEquals("<s>[INST] You are a helpful assistant.\n\nHello! [/INST]Hi there! How can I help?</s>"
                + "[INST] What is 2+2? [/INST]", render("mistral"));
        assertEquals("<s>[INST] Hello! [/INST]Hi there! How can I help?</s>[INST] What is 2+2? [/INST]",
                ChatTemplate.builtin("mistral").render(CONVERSATION, true));
    }

    @Test
    void gemma() {
        assertEquals("<bos><start_of_turn>user\nYou are a helpful assistant.\n\nHello!<end_of_turn>\n"
                + "<start_of_turn>model\nHi there! How can I help?<end_of_turn>\n"
                + "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n"
                + "<start_of_turn>model\n", render("gemma"));
        assertEquals(List.of("<end_of_turn>", "<eos>"), ChatTemplate.builtin("gemma").stopStrings());
    }

    @Test
    void phi3() {
        assertEquals("<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nHello!<|end|>\n"
                + "<|assistant|>\nHi there! How can I help?<|end|>\n<|user|>\nWhat is 2+2?<|end|>\n"
                + "<|assistant|>\n", render("phi3"));
        assertEquals(List.of("<|end|>", "<|endoftext|>"), ChatTemplate.builtin("phi3").stopStrings());
    }

    @Test
    void zephyr() {
        assertEquals("<|system|>\nYou are a helpful assistant.</s>\n<|user|>\nHello!</s>\n"
                + "<|assistant|>\nHi there! How can I help?</s>\n<|user|>\nWhat is 2+2?</s>\n"
                + "<|assistant|>\n", render("zephyr"));
        assertEquals(List.of("</s>"), ChatTemplate.builtin("zephyr").stopStrings());
    }

    @Test
    void noGenerationPrompt() {
        assertEquals("<|im_start|>user\nHello!<|im_end|>\n",
                ChatTemplate.builtin("chatml").render(List.of(ChatMessage.user("Hello!")), false));
        assertEquals("<bos><start_of_turn>user\nHello!<end_of_turn>\n",
                ChatTemplate.builtin("gemma").render(List.of(ChatMessage.user("Hello!")), false));
    }

    @Test
    void builtinWithModelTokens() {
        ChatTemplate t = ChatTemplate.builtin("llama2", "<BOS>", "<EOS>");
        assertEquals("<BOS>[INST] Hi [/INST] Yo <EOS>",
                t.render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Yo")), true));
        assertEquals(List.of("</s>", "<EOS>"), t.stopStrings());
    }

    @Test
    void namesAndAliases() {
        for (String n : ChatTemplate.BUILTINS) assertEquals(n, ChatTemplate.builtin(n).name());
        assertEquals("llama3", ChatTemplate.builtin("Llama-3").name());
        assertEquals("llama3", ChatTemplate.builtin("llama3.1").name());
        assertEquals("phi3", ChatTemplate.builtin("phi-3.5").name());
        CortadoException e = assertThrows(CortadoException.class, () -> ChatTemplate.builtin("vicuna"));
        assertEquals("no built-in chat template named vicuna (there are chatml, llama3, llama2, mistral, gemma, phi3, zephyr)",
                e.getMessage());
    }

    @Test
    void forModelPicksTheUsersChoiceThenTheModelsOwn(@TempDir Path dir) throws IOException {
        String own = "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}";
        // the model's own template
        ChatTemplate t = ChatTemplate.forModel(own, null, "<s>", "</s>").orElseThrow();
        assertEquals("[user]Hi", t.render(List.of(ChatMessage.user("Hi")), true));
        assertEquals(ChatFamily.OTHER, t.family());
        assertEquals(List.of("</s>"), t.stopStrings());
        // a named built-in wins over it
        assertEquals("chatml", ChatTemplate.forModel(own, "chatml", "<s>", "</s>").orElseThrow().name());
        // so does a file
        Path file = dir.resolve("mine.jinja");
        Files.writeString(file, "{{ messages[0].content | upper }}\n");
        ChatTemplate f = ChatTemplate.forModel(own, file.toString(), "<s>", "</s>").orElseThrow();
        assertEquals("mine.jinja", f.name());
        assertEquals("HI", f.render(List.of(ChatMessage.user("Hi")), true));
        // a base model: no template, plain completion mode
        assertEquals(Optional.empty(), ChatTemplate.forModel(null, null, "<s>", "</s>"));
        assertEquals(Optional.empty(), ChatTemplate.forModel("  ", "", "<s>", "</s>"));
        assertTrue(ChatTemplate.NO_TEMPLATE_NOTICE.contains("plain completion mode"));
        // neither a built-in nor a file
        CortadoException e = assertThrows(CortadoException.class,
                () -> ChatTemplate.forModel(own, dir.resolve("nope.jinja").toString(), "<s>", "</s>"));
        assertTrue(e.getMessage().contains("nope.jinja: neither a built-in template"), e.getMessage());
        Path empty = dir.resolve("empty.jinja");
        Files.writeString(empty, "\n");
        e = assertThrows(CortadoException.class, () -> ChatTemplate.forModel(own, empty.toString(), "<s>", "</s>"));
        assertEquals(empty + ": the chat template is empty", e.getMessage());
    }

    @Test
    void familyDetection() {
        assertEquals(ChatFamily.CHATML, ChatFamily.detect("{{ '<|im_start|>' + m }}"));
        assertEquals(ChatFamily.LLAMA3, ChatFamily.detect("<|start_header_id|>"));
        assertEquals(ChatFamily.GEMMA, ChatFamily.detect("<start_of_turn>"));
        assertEquals(ChatFamily.PHI3, ChatFamily.detect("<|user|>x<|end|>"));
        assertEquals(ChatFamily.ZEPHYR, ChatFamily.detect("<|user|>\n{{ eos_token }}"));
        assertEquals(ChatFamily.LLAMA2, ChatFamily.detect("[INST] <<SYS>>"));
        assertEquals(ChatFamily.MISTRAL, ChatFamily.detect("[INST]"));
        assertEquals(ChatFamily.GLM, ChatFamily.detect("[gMASK]<sop><|user|>"));
        assertEquals(ChatFamily.OTHER, ChatFamily.detect("<|user|>{{ m }}<|assistant|>"));
        assertEquals(ChatFamily.OTHER, ChatFamily.detect("User: {{ x }}"));
    }
}
