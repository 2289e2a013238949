package dev.cortado.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.CortadoException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading the JSON files of a Hugging Face tokenizer, with one-line errors that name the file. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    static JsonNode read(Path file) {
        try {
            JsonNode n = MAPPER.readTree(file.toFile());
            if (n == null || n.isMissingNode()) throw CortadoException.inFile(file, "empty JSON file");
            return n;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + " column " + loc.getColumnNr();
            throw CortadoException.inFile(file, "malformed JSON" + where + ": " + oneLine(e.getOriginalMessage()));
        } catch (IOException e) {
            if (!Files.exists(file)) throw CortadoException.inFile(file, "no such file");
            throw CortadoException.inFile(file, "cannot read: " + oneLine(e.getMessage()));
        }
    }

    /** Reads {@code file} when it exists, else null. */
    static JsonNode readIfPresent(Path file) {
        return file != null && Files.isRegularFile(file) ? read(file) : null;
    }

    /** The text of a string field, or null when absent, null or not a string. */
    static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    /** A token given as a string or as an AddedToken object {@code {"content": …}}; null otherwise. */
    static String tokenContent(JsonNode v) {
        if (v == null) return null;
        if (v.isTextual()) return v.asText();
        if (v.isObject() && v.get("content") != null && v.get("content").isTextual()) return v.get("content").asText();
        return null;
    }

    static Boolean bool(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v != null && v.isBoolean() ? v.asBoolean() : null;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    /** Whether {@code n} or anything inside it is an object whose "type" is {@code type}. */
    static boolean containsType(JsonNode n, String type) {
        if (n == null) return false;
        if (n.isObject() && type.equals(text(n, "type"))) return true;
        for (JsonNode c : n) if (containsType(c, type)) return true;
        return false;
    }
}
