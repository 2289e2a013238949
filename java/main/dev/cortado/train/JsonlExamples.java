package dev.cortado.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.CortadoException;
import dev.cortado.chat.ChatMessage;
import dev.cortado.chat.ChatTemplate;
import dev.cortado.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Turns the lines of a .jsonl data file into examples. Each line is one JSON object of one format,
 * the same on every line: {@code {"text"}} (BOS + text + EOS, loss on every target),
 * {@code {"prompt","completion"}} (BOS + prompt + completion + EOS, loss on the completion and EOS)
 * or {@code {"messages":[{"role","content"}…]}} (the chat template's render, loss on the assistant's
 * tokens: {@link ChatMasking}). Other fields are ignored; blank lines are skipped.
 *
 * <p>A prompt and its completion are tokenized as one text, as the model reads them; the completion's
 * tokens are those past the common prefix with the prompt's own tokens (tokenizers whose
 * normalizer prepends a space to every call would put a space inside the text were the two tokenized
 * apart). Special-token text in the data is recognised, as Hugging Face does.
 */
final class JsonlExamples implements DataLines.Handler {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    static final String TEXT = "text", PROMPT_COMPLETION = "prompt-completion", MESSAGES = "messages";

    private final Path file;
    private final Tokenizer tokenizer;
    private final ChatMasking chat;
    private final Integer bos, eos;
    /** One group per line: a conversation may become several examples that must land on one side of the split. */
    final List<List<Example>> groups = new ArrayList<>();
    String format;
    private long formatLine;

    JsonlExamples(Path file, Tokenizer tokenizer, ChatTemplate template) {
        this.file = file;
        this.tokenizer = tokenizer;
        // one fixed "now" so that every prefix of a conversation renders the same date
        this.chat = template == null ? null : new ChatMasking(tokenizer, template.withNow(LocalDateTime.now()));
        this.bos = tokenizer.addsBos() ? tokenizer.bosId() : null;
        this.eos = tokenizer.eosId();
    }

    long splitConversations() {
        return chat == null ? 0 : chat.splitConversations;
    }

    @Override
    public void line(long number, String text) {
        if (text.isBlank()) return;
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadLine(number, "malformed JSON: " + oneLine(e.getOriginalMessage()));
        }
        if (node == null || !node.isObject()) throw new BadLine(number, "expected a JSON object, found " + kind(node));
        String f = node.has("messages") ? MESSAGES : node.has("prompt") || node.has("completion") ? PROMPT_COMPLETION
                : node.has("text") ? TEXT : null;
        if (f == null) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            throw new BadLine(number, "no \"text\", \"prompt\"/\"completion\" or \"messages\" field (it has "
                    + (names.isEmpty() ? "no fields" : oneLine(String.join(", ", names))) + ")");
        }
        if (format != null && !format.equals(f)) {
            throw new BadLine(number, "a " + f + " example, but line " + formatLine + " made this a " + format + " file");
        }
        List<Example> examples = switch (f) {
            case TEXT -> List.of(text(number, string(number, node, "text", false)));
            case PROMPT_COMPLETION -> List.of(promptCompletion(string(number, node, "prompt", true),
                    string(number, node, "completion", false)));
            default -> messages(number, node.get("messages"));
        };
        if (format == null) {
            format = f;
            formatLine = number;
        }
        groups.add(examples);
    }

    private Example text(long line, String text) {
        return Example.lossFrom(withBosEos(tokenizer.encode(text)), 1);
    }

    private Example promptCompletion(String prompt, String completion) {
        int[] whole = tokenizer.encode(prompt + completion);
        int start = prompt.isEmpty() ? 0 : ChatMasking.commonPrefix(tokenizer.encode(prompt), whole);
        return Example.lossFrom(withBosEos(whole), start + (bos == null ? 0 : 1));
    }

    private List<Example> messages(long line, JsonNode list) {
        if (chat == null) {
            throw CortadoException.inFile(file, "line " + line + ": chat messages need a chat template and the model has none (name one with --template)");
        }
        if (!list.isArray() || list.isEmpty()) throw new BadLine(line, "\"messages\" must be a non-empty array of {\"role\", \"content\"}");
        List<ChatMessage> messages = new ArrayList<>();
        Iterator<JsonNode> it = list.elements();
        for (int i = 0; it.hasNext(); i++) {
            JsonNode m = it.next();
            String where = "messages[" + i + "]";
            if (!m.isObject()) throw new BadLine(line, where + " is " + kind(m) + ", not an object");
            String role = string(line, m, "role", where + ".role", false);
            String content = string(line, m, "content", where + ".content", true);
            messages.add(new ChatMessage(role, content));
        }
        return chat.encode(line, messages);
    }

    private int[] withBosEos(int[] ids) {
        int head = bos == null ? 0 : 1, tail = eos == null ? 0 : 1;
        int[] out = new int[head + ids.length + tail];
        if (bos != null) out[0] = bos;
        System.arraycopy(ids, 0, out, head, ids.length);
        if (eos != null) out[out.length - 1] = eos;
        return out;
    }

    private static String string(long line, JsonNode node, String field, boolean emptyOk) {
        return string(line, node, field, "\"" + field + "\"", emptyOk);
    }

    private static String string(long line, JsonNode node, String field, String where, boolean emptyOk) {
        JsonNode v = node.get(field);
        if (v == null) throw new BadLine(line, where + " is missing");
        if (!v.isTextual()) throw new BadLine(line, where + " is " + kind(v) + ", not a string");
        if (!emptyOk && v.asText().isEmpty()) throw new BadLine(line, where + " is empty");
        return v.asText();
    }

    private static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) return "nothing";
        return switch (n.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case STRING -> "a string";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    static String oneLine(String s) {
        String t = s == null ? "" : s.replaceAll("\\s+", " ").strip();
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }
}
