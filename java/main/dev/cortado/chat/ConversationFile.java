package dev.cortado.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.CortadoException;
import dev.cortado.io.AtomicFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A conversation as JSON, for {@code /save} and {@code /load}:
 * {@code {"messages": [{"role": "system", "content": "…"}, {"role": "user", …}, …]}} — the shape
 * chat APIs and Hugging Face's {@code apply_chat_template} take.
 */
public final class ConversationFile {
    /** Conversations are text; anything larger is not one. */
    static final long MAX_BYTES = 64L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConversationFile() {}

    /** Writes the messages atomically (temp file, fsync, rename). */
    public static void save(Path file, List<ChatMessage> messages) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("messages");
        for (ChatMessage m : messages) list.addObject().put("role", m.role()).put("content", m.content());
        AtomicFile.writeStream(file, out -> out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root)));
    }

    /** Reads messages written by {@link #save} (or any file of that shape). */
    public static List<ChatMessage> load(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) throw CortadoException.inFile(file, "is " + size + " bytes; a conversation file holds at most " + MAX_BYTES);
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw CortadoException.inFile(file, "no such file");
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        }
        JsonNode root;
        try {
            root = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw CortadoException.inFile(file, "not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject() || !root.path("messages").isArray()) {
            throw CortadoException.inFile(file, "expected an object with a \"messages\" array");
        }
        List<ChatMessage> out = new ArrayList<>();
        int i = 0;
        for (JsonNode m : root.get("messages")) {
            if (!m.isObject() || !m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw CortadoException.inFile(file, "message " + i + " needs a string \"role\" and a string \"content\"");
            }
            out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
            i++;
        }
        return out;
    }
}
