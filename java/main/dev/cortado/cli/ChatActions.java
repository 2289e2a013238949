package dev.cortado.cli;

import dev.cortado.CortadoException;
import dev.cortado.chat.ChatSession;
import dev.cortado.chat.ConversationFile;
import dev.cortado.chat.SlashCommand;
import dev.cortado.lora.LoraFiles;
import dev.cortado.model.AppliedLora;
import dev.cortado.model.Sampler;
import dev.cortado.model.Transformer;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.Consumer;

/** What the chat's slash commands do, for both the terminal and the piped front. */
final class ChatActions {
    private final ChatSession session;
    private final PrintWriter out;
    private final Consumer<String> notice;

    ChatActions(ChatSession session, PrintWriter out, Consumer<String> notice) {
        this.session = session;
        this.out = out;
        this.notice = notice;
    }

    /** Runs {@code c}; {@code regen} streams a new reply. False when the chat should end. */
    boolean run(SlashCommand c, Runnable regen) {
        String a = c.argument();
        switch (c.name()) {
            case "/exit", "/quit" -> {
                return false;
            }
            case "/help" -> out.print(SlashCommand.help());
            case "/system" -> {
                session.system(a);
                notice.accept(a.isEmpty() ? "system prompt cleared" : "system prompt set");
            }
            case "/reset" -> {
                session.reset();
                notice.accept("conversation cleared");
            }
            case "/regen" -> regen.run();
            case "/undo" -> notice.accept(session.undo() ? "removed the last exchange" : "nothing to undo");
            case "/temp" -> set(c, s -> new Sampler.Settings(parseFloat(c), s.topK(), s.topP(), s.minP(), s.repeatPenalty(), s.repeatLastN(), s.seed()));
            case "/top_k" -> set(c, s -> new Sampler.Settings(s.temperature(), parseInt(c), s.topP(), s.minP(), s.repeatPenalty(), s.repeatLastN(), s.seed()));
            case "/top_p" -> set(c, s -> new Sampler.Settings(s.temperature(), s.topK(), parseFloat(c), s.minP(), s.repeatPenalty(), s.repeatLastN(), s.seed()));
            case "/min_p" -> set(c, s -> new Sampler.Settings(s.temperature(), s.topK(), s.topP(), parseFloat(c), s.repeatPenalty(), s.repeatLastN(), s.seed()));
            case "/seed" -> set(c, s -> new Sampler.Settings(s.temperature(), s.topK(), s.topP(), s.minP(), s.repeatPenalty(), s.repeatLastN(), parseLong(c)));
            case "/max_tokens" -> {
                if (a.isEmpty()) {
                    out.println("max_tokens = " + session.maxTokens());
                } else {
                    int n = parseInt(c);
                    if (n < 1) throw new CortadoException("/max_tokens needs a number >= 1");
                    session.maxTokens(n);
                    notice.accept("max_tokens = " + n);
                }
            }
            case "/stats" -> out.println(stats());
            case "/save" -> {
                ConversationFile.save(file(c), session.messages());
                notice.accept("saved " + session.messages().size() + " messages to " + a);
            }
            case "/load" -> {
                session.setMessages(ConversationFile.load(file(c)));
                notice.accept("loaded " + session.messages().size() + " messages from " + a);
            }
            case "/lora" -> lora(a);
            default -> out.println(c.unknownMessage());
        }
        out.flush();
        return true;
    }

    /** {@code /lora [list | load PATH[:FACTOR] | scale ID FACTOR | unload ID]}: adapters without reloading the model. */
    private void lora(String a) {
        String[] w = a.isBlank() ? new String[] {"list"} : a.trim().split("\\s+");
        Transformer t = session.model();
        switch (w[0]) {
            case "list" -> {
                if (t.adapters().isEmpty()) out.println("no LoRA adapters (load one with /lora load PATH[:FACTOR])");
                for (AppliedLora l : t.adapters()) {
                    out.printf("%d: %s, factor %s, %d tensors%n", l.id(), l.adapter().source(), l.factor(), l.adapter().tensors().size());
                }
            }
            case "load" -> {
                if (w.length != 2) throw new CortadoException("/lora load PATH[:FACTOR]");
                LoraCommand.AdapterArg arg = LoraCommand.AdapterArg.parse(w[1]);
                int id = t.addAdapter(LoraFiles.open(arg.path(), t.config()), arg.factor());
                session.invalidateCache();
                notice.accept("lora " + id + ": " + arg.path() + " at factor " + arg.factor() + " (the conversation is evaluated again)");
            }
            case "scale" -> {
                if (w.length != 3) throw new CortadoException("/lora scale ID FACTOR");
                t.setFactor(parseInt(w[1]), parseFloatText(w[2]));
                session.invalidateCache();
                notice.accept("lora " + w[1] + ": factor " + w[2]);
            }
            case "unload" -> {
                if (w.length != 2) throw new CortadoException("/lora unload ID");
                t.removeAdapter(parseInt(w[1]));
                session.invalidateCache();
                notice.accept("lora " + w[1] + " unloaded");
            }
            default -> throw new CortadoException("/lora: unknown action '" + w[0] + "' (list, load, scale, unload)");
        }
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new CortadoException("not a whole number: " + s);
        }
    }

    private static float parseFloatText(String s) {
        try {
            return Float.parseFloat(s);
        } catch (NumberFormatException e) {
            throw new CortadoException("not a number: " + s);
        }
    }

    String stats() {
        ChatSession.Reply r = session.lastReply();
        String s = String.format("context: %d of %d tokens; %d messages%s", session.contextTokens(), session.contextLength(),
                session.messages().size(), session.plainCompletion() ? " (plain completion)" : "");
        if (r == null) return s + "; no reply yet";
        Sampler.Settings st = session.settings();
        return s + String.format("%nlast reply: prompt %d tokens (%d from the cache), %.1f tok/s; generated %d tokens, %.1f tok/s; stop: %s"
                        + "%nsampling: temp %s, top_k %d, top_p %s, min_p %s, seed %d, max_tokens %d",
                r.promptTokens(), r.reusedTokens(), r.promptTokensPerSecond(), r.tokens().length, r.generateTokensPerSecond(),
                r.stop().toString().toLowerCase(java.util.Locale.ROOT).replace('_', ' '),
                st.temperature(), st.topK(), st.topP(), st.minP(), st.seed(), session.maxTokens());
    }

    private interface SettingsChange {
        Sampler.Settings apply(Sampler.Settings s);
    }

    private void set(SlashCommand c, SettingsChange change) {
        if (c.argument().isEmpty()) {
            out.println(stats());
            return;
        }
        try {
            session.settings(change.apply(session.settings()));
        } catch (IllegalArgumentException e) {
            throw new CortadoException(c.name() + ": " + e.getMessage());
        }
        notice.accept(c.name().substring(1) + " = " + c.argument());
    }

    private static Path file(SlashCommand c) {
        if (c.argument().isEmpty()) throw new CortadoException(c.name() + " needs a file name");
        return Path.of(c.argument());
    }

    private static float parseFloat(SlashCommand c) {
        try {
            return Float.parseFloat(c.argument());
        } catch (NumberFormatException e) {
            throw new CortadoException(c.name() + " needs a number, not " + c.argument());
        }
    }

    private static int parseInt(SlashCommand c) {
        try {
            return Integer.parseInt(c.argument());
        } catch (NumberFormatException e) {
            throw new CortadoException(c.name() + " needs a whole number, not " + c.argument());
        }
    }

    private static long parseLong(SlashCommand c) {
        try {
            return Long.parseLong(c.argument());
        } catch (NumberFormatException e) {
            throw new CortadoException(c.name() + " needs a whole number, not " + c.argument());
        }
    }
}
