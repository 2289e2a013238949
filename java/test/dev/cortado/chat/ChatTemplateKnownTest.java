package dev.cortado.chat;

import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import static dev.cortado.chat.ChatTemplateSharedTest.CONVERSATION;
import static dev.cortado.chat.ChatTemplateSharedTest.NOW;
import static dev.cortado.chat.ChatTemplateSharedTest.withSystem;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Well-known models' own templates against prompts written out by hand from their documented
 * formats (independent of the jinja2 references).
 */
class ChatTemplateKnownTest {
    static ChatTemplate load(String file, String bos, String eos) throws IOException {
        return ChatTemplate.fromJinja(file, Files.readString(TestFiles.sharedFile("chat-templates/" + file)), bos, eos)
                .withNow(NOW);
    }

    static final String LLAMA3_PROMPT = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
            + "You are a helpful assistant.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nHi there! How can I help?<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n";

    @Test
    void llama3x() throws IOException {
        for (String f : List.of("meta-llama-Llama-3.1-8B-Instruct.jinja", "meta-llama-Llama-3.2-3B-Instruct.jinja",
                "meta-llama-Llama-3.3-70B-Instruct.jinja")) {
            ChatTemplate t = load(f, "<|begin_of_text|>", "<|eot_id|>");
            assertEquals(LLAMA3_PROMPT, t.render(withSystem(), true), f);
            assertEquals(ChatFamily.LLAMA3, t.family());
            assertEquals(List.of("<|eot_id|>", "<|eom_id|>"), t.stopStrings());
            // without a system message the date header stands alone
            assertTrue(t.render(CONVERSATION, true).startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                    + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user"), f);
        }
    }

    @Test
    void qwen25() throws IOException {
        ChatTemplate t = load("Qwen-Qwen2.5-7B-Instruct.jinja", "", "<|im_end|>");
        String turns = "<|im_start|>user\nHello!<|im_end|>\n"
                + "<|im_start|>assistant\nHi there! How can I help?<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n";
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" + turns, t.render(withSystem(), true));
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                + turns, t.render(CONVERSATION, true));
        assertEquals(ChatFamily.CHATML, t.family());
        assertEquals(List.of("<|im_end|>"), t.stopStrings());
    }

    @Test
    void phi35() throws IOException {
        ChatTemplate t = load("microsoft-Phi-3.5-mini-instruct.jinja", "<s>", "<|endoftext|>");
        String turns = "<|user|>\nHello!<|end|>\n<|assistant|>\nHi there! How can I help?<|end|>\n"
                + "<|user|>\nWhat is 2+2?<|end|>\n";
        assertEquals("<|system|>\nYou are a helpful assistant.<|end|>\n" + turns + "<|assistant|>\n", t.render(withSystem(), true));
        // without a generation prompt the template closes with the EOS text
        assertEquals(turns + "<|endoftext|>", t.render(CONVERSATION, false));
        assertEquals(ChatFamily.PHI3, t.family());
        assertEquals(List.of("<|end|>", "<|endoftext|>"), t.stopStrings());
    }

    @Test
    void gemma2() throws IOException {
        ChatTemplate t = load("google-gemma-2-2b-it.jinja", "<bos>", "<eos>");
        assertEquals("<bos><start_of_turn>user\nHello!<end_of_turn>\n"
                + "<start_of_turn>model\nHi there! How can I help?<end_of_turn>\n"
                + "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n"
                + "<start_of_turn>model\n", t.render(CONVERSATION, true));
        CortadoException e = assertThrows(CortadoException.class, () -> t.render(withSystem(), true));
        assertEquals("chat template google-gemma-2-2b-it.jinja refused the conversation: System role not supported", e.getMessage());
        assertEquals(ChatFamily.GEMMA, t.family());
        assertEquals(List.of("<end_of_turn>", "<eos>"), t.stopStrings());
    }

    @Test
    void smolLm3() throws IOException {
        ChatTemplate t = load("HuggingFaceTB-SmolLM3-3B.jinja", "", "<|im_end|>");
        assertEquals("<|im_start|>system\n## Metadata\n\nKnowledge Cutoff Date: June 2025\n"
                + "Reasoning Mode: /no_think\n\n"
                + "## Custom Instructions\n\nYou are a helpful assistant.\n\n<|im_end|>\n"
                + "<|im_start|>user\nHello!<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\nHi there! How can I help?<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n", t.render(withSystem(), true));
    }

    @Test
    void mistralNemo() throws IOException {
        ChatTemplate t = load("mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>");
        // the system prompt rides on the last user message
        assertEquals("<s>[INST]Hello![/INST]Hi there! How can I help?</s>"
                + "[INST]You are a helpful assistant.\n\nWhat is 2+2?[/INST]", t.render(withSystem(), true));
        assertEquals("<s>[INST]Hello![/INST]Hi there! How can I help?</s>[INST]What is 2+2?[/INST]",
                t.render(CONVERSATION, true));
        // two user turns in a row break its alternation rule
        CortadoException e = assertThrows(CortadoException.class,
                () -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true));
        assertTrue(e.getMessage().endsWith("conversation roles must alternate user/assistant/user/assistant/..."), e.getMessage());
        assertEquals(ChatFamily.MISTRAL, t.family());
    }
}
