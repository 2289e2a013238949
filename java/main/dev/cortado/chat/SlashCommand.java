package dev.cortado.chat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A chat slash command as typed: {@code /name argument}. {@link #parse} splits a line;
 * {@link #COMMANDS} lists the known ones with their help; {@link #unknownMessage} says what to
 * type instead of an unknown one.
 */
public record SlashCommand(String name, String argument) {
    /** Known commands (with the leading slash) and their one-line help, in help order. */
    public static final Map<String, String> COMMANDS;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("/help", "list the commands");
        m.put("/system", "TEXT  set the system prompt (empty: none); the conversation stays");
        m.put("/reset", "forget the conversation (the system prompt stays)");
        m.put("/regen", "answer the last message again");
        m.put("/undo", "remove the last message and its reply");
        m.put("/temp", "T  temperature (0 = greedy)");
        m.put("/top_k", "K  keep the K most likely tokens (0 = all)");
        m.put("/top_p", "P  nucleus sampling (1 = off)");
        m.put("/min_p", "M  drop tokens below M x the top probability (0 = off)");
        m.put("/seed", "S  random seed");
        m.put("/max_tokens", "N  the most tokens a reply may have");
        m.put("/stats", "tokens in context; prompt and generation speed of the last reply");
        m.put("/save", "FILE  save the conversation as JSON");
        m.put("/load", "FILE  load a conversation saved with /save");
        m.put("/lora", "[list | load PATH[:FACTOR] | scale ID FACTOR | unload ID]  LoRA adapters applied at run time");
        m.put("/exit", "leave (also Ctrl-D, or Ctrl-C at an empty prompt)");
        COMMANDS = java.util.Collections.unmodifiableMap(m);
    }

    /** The command in {@code line} if it starts with {@code /} (after blanks); the argument is trimmed, "" if none. */
    public static Optional<SlashCommand> parse(String line) {
        String s = line.strip();
        if (!s.startsWith("/") || s.startsWith("//")) return Optional.empty();
        int sp = 0;
        while (sp < s.length() && !Character.isWhitespace(s.charAt(sp))) sp++;
        return Optional.of(new SlashCommand(s.substring(0, sp).toLowerCase(Locale.ROOT), s.substring(sp).strip()));
    }

    public boolean known() {
        return COMMANDS.containsKey(name);
    }

    /** Known commands starting with {@code prefix}. */
    public static List<String> complete(String prefix) {
        return COMMANDS.keySet().stream().filter(c -> c.startsWith(prefix.toLowerCase(Locale.ROOT))).toList();
    }

    /** What to tell the user about an unknown command: the closest matches, or /help. */
    public String unknownMessage() {
        List<String> close = complete(name.length() > 2 ? name.substring(0, 2) : name);
        String hint = close.isEmpty() || name.length() <= 1 ? "" : " (did you mean " + String.join(", ", close) + "?)";
        return "unknown command " + name + hint + "; /help lists the commands (start a message with // to send a literal /)";
    }

    /** The help text, one command per line. */
    public static String help() {
        StringBuilder sb = new StringBuilder();
        COMMANDS.forEach((c, h) -> {
            int sp = h.indexOf("  ");
            String arg = sp > 0 ? " " + h.substring(0, sp) : "";
            String text = sp > 0 ? h.substring(sp + 2) : h;
            sb.append(String.format("  %-18s %s%n", c + arg, text));
        });
        sb.append("  End a line with \\ to continue on the next; Ctrl-C stops a reply.").append(System.lineSeparator());
        return sb.toString();
    }
}
