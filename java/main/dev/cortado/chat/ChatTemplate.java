package dev.cortado.chat;

import dev.cortado.CortadoException;
import dev.cortado.tokenizer.TokenizerData;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A chat template: the model's own Jinja source (GGUF {@code tokenizer.chat_template} or
 * {@code tokenizer_config.json}'s {@code chat_template}), a {@code .jinja} file, or one of the
 * built-ins ({@link #BUILTINS}), rendered the way Hugging Face renders it ({@link JinjaEnvironment}).
 * <p>
 * The render context holds {@code messages} (maps with {@code role} and {@code content}),
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, {@code tools} (none),
 * {@code date_string} (today as {@code 26 Jul 2024}) and {@code enable_thinking} (false), plus any
 * extra variables the caller passes.
 */
public final class ChatTemplate {
    /** The built-in templates by name, for models that carry none or when the user names one. */
    public static final List<String> BUILTINS = List.of("chatml", "llama3", "llama2", "mistral", "gemma", "phi3", "zephyr");

    /** What the caller tells the user when {@link #forModel} finds no template. */
    public static final String NO_TEMPLATE_NOTICE =
            "the model has no chat template: plain completion mode (name one with --template: " + String.join(", ", BUILTINS) + ", or a .jinja file)";

    private final String name;
    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final ChatFamily family;
    private final LocalDateTime fixedNow;

    private ChatTemplate(String name, String source, String bosToken, String eosToken, ChatFamily family,
                         LocalDateTime fixedNow) {
        this.name = name;
        this.source = source;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.family = family;
        this.fixedNow = fixedNow;
    }

    /** The model's own template; {@code bosToken}/{@code eosToken} are the vocabulary's texts (null: none). */
    public static ChatTemplate fromJinja(String source, String bosToken, String eosToken) {
        return fromJinja("(model's own)", source, bosToken, eosToken);
    }

    /** A Jinja template with a name for messages (a file name, say). */
    public static ChatTemplate fromJinja(String name, String source, String bosToken, String eosToken) {
        if (source == null || source.isBlank()) throw new CortadoException("chat template " + name + " is empty");
        return new ChatTemplate(name, source, bosToken, eosToken, ChatFamily.detect(source), null);
    }

    /** A built-in template with its family's usual BOS/EOS texts. */
    public static ChatTemplate builtin(String name) {
        String n = builtinName(name);
        if (n == null) throw unknownBuiltin(name);
        return switch (n) {
            case "llama3" -> builtin(n, "<|begin_of_text|>", "<|eot_id|>");
            case "gemma" -> builtin(n, "<bos>", "<eos>");
            case "chatml" -> builtin(n, "", "<|im_end|>");
            case "phi3" -> builtin(n, "<s>", "<|endoftext|>");
            default -> builtin(n, "<s>", "</s>");
        };
    }

    /** A built-in template rendered with the model's own BOS/EOS texts. */
    public static ChatTemplate builtin(String name, String bosToken, String eosToken) {
        String n = builtinName(name);
        if (n == null) throw unknownBuiltin(name);
        String resource = "builtin/" + n + ".jinja";
        try (InputStream in = ChatTemplate.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource " + resource);
            ChatFamily family = ChatFamily.valueOf(n.toUpperCase(Locale.ROOT));
            return new ChatTemplate(n, new String(in.readAllBytes(), StandardCharsets.UTF_8), bosToken, eosToken, family, null);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + resource, e);
        }
    }

    /**
     * The template to chat with: the user's choice {@code nameOrFile} (a built-in name or a
     * {@code .jinja} file) if given, else the model's own template; empty when neither exists —
     * a base model, run in plain completion mode (tell the user {@link #NO_TEMPLATE_NOTICE}).
     */
    public static Optional<ChatTemplate> forModel(String modelTemplateOrNull, String nameOrFile,
                                                  String bosToken, String eosToken) {
        if (nameOrFile != null && !nameOrFile.isBlank()) {
            if (builtinName(nameOrFile) != null) return Optional.of(builtin(nameOrFile, bosToken, eosToken));
            Path file = Path.of(nameOrFile);
            if (!Files.isRegularFile(file)) {
                throw new CortadoException("--template " + nameOrFile + ": neither a built-in template ("
                        + String.join(", ", BUILTINS) + ") nor a file");
            }
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                if (text.isBlank()) throw CortadoException.inFile(file, "the chat template is empty");
                return Optional.of(fromJinja(file.getFileName().toString(), text, bosToken, eosToken));
            } catch (IOException e) {
                throw CortadoException.inFile(file, "cannot read the chat template: " + e.getMessage());
            }
        }
        if (modelTemplateOrNull == null || modelTemplateOrNull.isBlank()) return Optional.empty();
        return Optional.of(fromJinja(modelTemplateOrNull, bosToken, eosToken));
    }

    /**
     * {@link #forModel} for a tokenizer as model files carry it: its chat template, and its BOS and
     * EOS token texts.
     */
    public static Optional<ChatTemplate> forTokenizer(TokenizerData tokenizer, String nameOrFile) {
        return forModel(tokenizer.chatTemplate(), nameOrFile, tokenText(tokenizer, tokenizer.bosId()),
                tokenText(tokenizer, tokenizer.eosId()));
    }

    private static String tokenText(TokenizerData t, Integer id) {
        return id == null || id < 0 || id >= t.vocabSize() ? null : t.tokens().get(id);
    }

    /** This template with {@code strftime_now} and {@code date_string} reading a fixed time (for tests and reproducible prompts). */
    public ChatTemplate withNow(LocalDateTime now) {
        return new ChatTemplate(name, source, bosToken, eosToken, family, now);
    }

    /** The prompt text for {@code messages}, ending with the assistant's header when {@code addGenerationPrompt}. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /** As {@link #render(List, boolean)}, with extra template variables (they override the defaults). */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> extraVariables) {
        LocalDateTime now = fixedNow != null ? fixedNow : LocalDateTime.now();
        List<Object> msgs = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            msgs.add(map);
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("messages", msgs);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        vars.put("tools", null);
        vars.put("date_string", Strftime.format(now, "%d %b %Y"));
        vars.put("enable_thinking", false);
        vars.putAll(extraVariables);
        return JinjaEnvironment.get().render(name, source, vars, now);
    }

    /** Where generation stops: the family's end-of-turn markers and the EOS text. */
    public List<String> stopStrings() {
        List<String> stops = new ArrayList<>(family.stopStrings());
        if (!eosToken.isEmpty() && !stops.contains(eosToken)) stops.add(eosToken);
        return List.copyOf(stops);
    }

    public ChatFamily family() {
        return family;
    }

    public String name() {
        return name;
    }

    public String source() {
        return source;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }

    private static String builtinName(String name) {
        if (name == null) return null;
        String n = name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "").replace(".", "");
        if (n.equals("llama31") || n.equals("llama32") || n.equals("llama33")) n = "llama3";
        if (n.equals("phi35")) n = "phi3";
        if (n.equals("gemma2")) n = "gemma";
        return BUILTINS.contains(n) ? n : null;
    }

    private static CortadoException unknownBuiltin(String name) {
        return new CortadoException("no built-in chat template named " + name + " (there are " + String.join(", ", BUILTINS) + ")");
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + name + ", " + family + "]";
    }
}
