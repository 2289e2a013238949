package dev.cortado.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every real template in ../shared/chat-templates renders a fixed conversation, with the turns in
 * order, exactly as Python's jinja2 renders it in Hugging Face's setup (testdata/chat/references.json,
 * made by tools/chat-templates/render-reference.py).
 */
class ChatTemplateSharedTest {
    static final LocalDateTime NOW = LocalDateTime.of(2024, 7, 26, 9, 30);
    static final ChatMessage SYSTEM = ChatMessage.system("You are a helpful assistant.");
    static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.user("Hello!"),
            ChatMessage.assistant("Hi there! How can I help?"),
            ChatMessage.user("What is 2+2?"));

    static List<ChatMessage> withSystem() {
        List<ChatMessage> all = new ArrayList<>();
        all.add(SYSTEM);
        all.addAll(CONVERSATION);
        return all;
    }

    static JsonNode references() throws IOException {
        return new ObjectMapper().readTree(TestFiles.testdata().resolve("chat/references.json").toFile());
    }

    static List<Path> templates() throws IOException {
        Path dir = TestFiles.sharedFile("chat-templates");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".jinja")).sorted().toList();
        }
    }

    record Outcome(String text, String raised) {}

    static Outcome render(ChatTemplate t, List<ChatMessage> messages, Map<String, Object> extra) {
        try {
            return new Outcome(t.render(messages, true, extra), null);
        } catch (CortadoException e) {
            return new Outcome(null, e.getMessage());
        }
    }

    @Test
    void everyTemplateMatchesJinja2() throws IOException {
        JsonNode refs = references();
        Map<String, String> mismatches = new TreeMap<>();
        int rendered = 0;
        for (Path p : templates()) {
            String file = p.getFileName().toString();
            JsonNode ref = refs.get(file);
            assertNotNull(ref, "no reference render for " + file + ": rerun tools/chat-templates/render-reference.py");
            Map<String, Object> extra = new ObjectMapper().convertValue(ref.get("extra"), HashMap.class);
            ChatTemplate t = ChatTemplate.fromJinja(file, Files.readString(p), ref.get("bos").asText(), ref.get("eos").asText())
                    .withNow(NOW);
            for (String variant : List.of("withSystem", "withoutSystem")) {
                Outcome got = render(t, variant.equals("withSystem") ? withSystem() : CONVERSATION, extra);
                JsonNode want = ref.get(variant);
                if (want.has("raised")) {
                    if (got.raised == null || !got.raised.endsWith(": " + want.get("raised").asText())) {
                        mismatches.put(file + " " + variant, "expected raise '" + want.get("raised").asText() + "', got " + got);
                    }
                } else if (got.raised != null) {
                    mismatches.put(file + " " + variant, "threw: " + got.raised);
                } else if (!got.text.equals(want.get("text").asText())) {
                    mismatches.put(file + " " + variant, firstDifference(want.get("text").asText(), got.text));
                } else {
                    rendered++;
                }
            }
        }
        mismatches.forEach((k, v) -> System.out.println("MISMATCH " + k + ": " + v));
        System.out.println("templates matching jinja2: " + rendered + " renders of " + templates().size() * 2);
        assertEquals(Map.of(), mismatches);
    }

    /** The end-of-turn marker each family writes after a user turn and after an assistant turn. */
    static final Map<ChatFamily, List<String>> TURN_ENDS = Map.of(
            ChatFamily.LLAMA3, List.of("<|eot_id|>", "<|eot_id|>"),
            ChatFamily.GEMMA, List.of("<end_of_turn>", "<end_of_turn>"),
            ChatFamily.CHATML, List.of("<|im_end|>", "<|im_end|>"),
            ChatFamily.PHI3, List.of("<|end|>", "<|end|>"),
            ChatFamily.ZEPHYR, List.of("</s>", "</s>"),
            ChatFamily.GLM, List.of("<|assistant|>", "<|user|>"),
            ChatFamily.LLAMA2, List.of("[/INST]", "</s>"),
            ChatFamily.MISTRAL, List.of("[/INST]", "</s>"));

    @Test
    void turnsAppearInOrderWithTheirFamilysMarkers() throws IOException {
        JsonNode refs = references();
        Map<ChatFamily, Integer> families = new TreeMap<>();
        for (Path p : templates()) {
            String file = p.getFileName().toString();
            JsonNode ref = refs.get(file);
            Map<String, Object> extra = new ObjectMapper().convertValue(ref.get("extra"), HashMap.class);
            ChatTemplate t = ChatTemplate.fromJinja(file, Files.readString(p), ref.get("bos").asText(), ref.get("eos").asText())
                    .withNow(NOW);
            families.merge(t.family(), 1, Integer::sum);
            String withSys;
            try {
                withSys = t.render(withSystem(), true, extra);
                assertTrue(withSys.contains(SYSTEM.content()), file + ": system text missing");
                assertTrue(withSys.indexOf(SYSTEM.content()) < withSys.lastIndexOf("What is 2+2?"), file);
            } catch (CortadoException e) {
                // a template that takes no system role says so in one line, and renders without it
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                assertTrue(e.getMessage().startsWith("chat template " + file + " refused the conversation: "), e.getMessage());
            }
            String text = t.render(CONVERSATION, true, extra);
            int user1 = text.indexOf("Hello!");
            int assistant = text.indexOf("Hi there! How can I help?", user1);
            int user2 = text.indexOf("What is 2+2?", assistant);
            assertTrue(user1 >= 0 && assistant > user1 && user2 > assistant, file + ": turns out of order in " + text);
            List<String> ends = TURN_ENDS.get(t.family());
            if (ends != null) {
                assertTrue(text.substring(user1, assistant).contains(ends.get(0)), file + ": no " + ends.get(0) + " after the user turn");
                assertTrue(text.substring(assistant, user2).contains(ends.get(1)), file + ": no " + ends.get(1) + " after the assistant turn");
                assertFalse(t.stopStrings().isEmpty());
            }
        }
        System.out.println("template families: " + families);
    }

    @Test
    void contentAsTextPartsNeverCrashes() throws IOException {
        // multimodal-style content: a list of {type: text, text: ...} parts
        List<Object> messages = List.of(
                Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "Hello!"))),
                Map.of("role", "assistant", "content", "Hi there! How can I help?"),
                Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "What is 2+2?"))));
        int rendered = 0;
        for (Path p : templates()) {
            String file = p.getFileName().toString();
            ChatTemplate t = ChatTemplate.fromJinja(file, Files.readString(p), "<s>", "</s>").withNow(NOW);
            try {
                String text = t.render(CONVERSATION, true, Map.of("messages", messages, "tools", List.of(), "functions", "[]",
                        "datetime", "2024-07-26"));
                assertTrue(text.contains("Hi there! How can I help?"), file);
                rendered++;
            } catch (CortadoException e) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                assertTrue(e.getMessage().startsWith("chat template " + file), e.getMessage());
                System.out.println("text parts: " + e.getMessage());
            }
        }
        System.out.println("templates rendering text-part content: " + rendered + " of " + templates().size());
    }

    static String firstDifference(String want, String got) {
        int i = 0;
        while (i < want.length() && i < got.length() && want.charAt(i) == got.charAt(i)) i++;
        int from = Math.max(0, i - 40);
        return "at char " + i + ": want «" + esc(want.substring(from, Math.min(want.length(), i + 60)))
                + "» got «" + esc(got.substring(from, Math.min(got.length(), i + 60))) + "»";
    }

    static String esc(String s) {
        return s.replace("\n", "\\n");
    }
}
