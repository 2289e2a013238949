package dev.cortado.io.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.cortado.CortadoException;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The JSON parser shared by the header and index readers: strict, and its errors one line long. */
final class Json {
    private Json() {}

    /** Duplicate keys are errors (two tensors of one name), and so is anything after the top value. */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * Parses {@code bytes} as UTF-8 JSON (decoded here, strictly, so that the parser never guesses
     * UTF-16/32 from the first bytes); {@code what} names the part of {@code file} for messages.
     */
    static JsonNode parse(Path file, String what, byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw CortadoException.inFile(file, what + " is not valid UTF-8");
        }
        if (text.isBlank()) throw CortadoException.inFile(file, what + " is empty");
        try {
            return MAPPER.readTree(text);
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            throw CortadoException.inFile(file, what + " is not valid JSON" + where + ": " + Quote.line(e.getOriginalMessage()));
        }
    }
}
