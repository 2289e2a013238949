package dev.cortado.chat;

import dev.cortado.CortadoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /save and /load: a round trip keeps every message; bad files are one-line errors naming the file. */
class ConversationFileTest {
    @TempDir
    Path tmp;

    @Test
    void roundTrip() {
        List<ChatMessage> msgs = List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi \"there\"\n\\ ünïcode 🎉"),
                ChatMessage.assistant(""), ChatMessage.user("again"));
        Path f = tmp.resolve("sub/chat.json");
        ConversationFile.save(f, msgs);
        assertEquals(msgs, ConversationFile.load(f));
        assertTrue(Files.exists(f) && !Files.exists(tmp.resolve("sub/chat.json.tmp")));
    }

    @Test
    void badFilesAreOneLineErrors() throws Exception {
        assertBad(tmp.resolve("missing.json"), null, "no such file");
        assertBad(tmp.resolve("a.json"), "{\"messages\": [", "not valid JSON");
        assertBad(tmp.resolve("b.json"), "[1, 2]", "\"messages\" array");
        assertBad(tmp.resolve("c.json"), "{\"messages\": [{\"role\": \"user\"}]}", "message 0");
        assertBad(tmp.resolve("d.json"), "{\"messages\": [{\"role\": \"user\", \"content\": 3}]}", "message 0");
        assertBad(tmp.resolve("e.json"), "", "\"messages\" array");
    }

    private static void assertBad(Path f, String content, String expect) throws Exception {
        if (content != null) Files.writeString(f, content);
        CortadoException e = assertThrows(CortadoException.class, () -> ConversationFile.load(f));
        assertTrue(e.getMessage().contains(f.getFileName().toString()) && e.getMessage().contains(expect), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
