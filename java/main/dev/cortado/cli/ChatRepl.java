package dev.cortado.cli;

import dev.cortado.CortadoException;
import dev.cortado.chat.ChatSession;
import dev.cortado.chat.SlashCommand;
import org.jline.reader.Candidate;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The terminal front of {@code cortado chat}: JLine line editing with history in
 * {@code ~/.cortado/chat_history}, multi-line input (a trailing {@code \}, or a bracketed paste),
 * Tab completion of slash commands; Ctrl-C stops a reply, and at an empty prompt (like Ctrl-D) ends the chat.
 */
final class ChatRepl {
    private final ChatSession session;
    private final Path model;

    ChatRepl(ChatSession session, Path model) {
        this.session = session;
        this.model = model;
    }

    int run() throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            PrintWriter w = terminal.writer();
            DefaultParser parser = new DefaultParser();
            parser.setEofOnEscapedNewLine(true);  // a trailing \ continues the message on the next line
            parser.setQuoteChars(new char[0]);     // apostrophes are text, not quotes to be closed
            Path history = Path.of(System.getProperty("user.home"), ".cortado", "chat_history");
            Files.createDirectories(history.getParent());
            LineReader reader = LineReaderBuilder.builder()
                    .appName("cortado")
                    .terminal(terminal)
                    .parser(parser)
                    .completer((r, line, candidates) -> {
                        if (line.wordIndex() == 0 && line.line().stripLeading().startsWith("/")) {
                            for (String c : SlashCommand.complete(line.word())) candidates.add(new Candidate(c));
                        }
                    })
                    .variable(LineReader.HISTORY_FILE, history)
                    .variable(LineReader.SECONDARY_PROMPT_PATTERN, "%P. ")
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                    .option(LineReader.Option.BRACKETED_PASTE, true)
                    .build();
            String prompt = new AttributedString("> ", AttributedStyle.BOLD.foreground(AttributedStyle.GREEN)).toAnsi(terminal);
            AttributedStyle dim = AttributedStyle.DEFAULT.foreground(AttributedStyle.YELLOW);

            ChatActions actions = new ChatActions(session, w, m -> {
                w.println(new AttributedString(m, dim).toAnsi(terminal));
                w.flush();
            });
            AtomicBoolean cancel = new AtomicBoolean();
            ChatSession.Listener listener = new ChatSession.Listener() {
                @Override
                public void text(String text) {
                    w.print(text);
                    w.flush();
                }

                @Override
                public void notice(String message) {
                    w.println(new AttributedString("[" + message + "]", dim).toAnsi(terminal));
                    w.flush();
                }
            };
            terminal.handle(Terminal.Signal.INT, s -> cancel.set(true));
            w.println(new AttributedString("cortado chat: " + model.getFileName()
                    + (session.plainCompletion() ? " (plain completion)" : "") + ". /help for commands, Ctrl-D to leave.", dim).toAnsi(terminal));
            w.flush();

            while (true) {
                String line;
                try {
                    line = reader.readLine(prompt);
                } catch (UserInterruptException e) {
                    if (e.getPartialLine() == null || e.getPartialLine().isEmpty()) break;
                    continue;  // Ctrl-C on a typed line discards it
                } catch (EndOfFileException e) {
                    break;
                }
                line = line.replace("\\\n", "\n");
                if (line.isBlank()) continue;
                Runnable reply = () -> stream(() -> session.regenerate(listener, cancel::get), cancel, w, terminal);
                try {
                    Optional<SlashCommand> cmd = SlashCommand.parse(line);
                    if (cmd.isPresent()) {
                        if (!actions.run(cmd.get(), reply)) break;
                        continue;
                    }
                    String text = line.startsWith("//") ? line.substring(1) : line;
                    stream(() -> session.send(text, listener, cancel::get), cancel, w, terminal);
                } catch (CortadoException e) {
                    w.println(new AttributedString("cortado: " + e.getMessage(), AttributedStyle.DEFAULT.foreground(AttributedStyle.RED)).toAnsi(terminal));
                    w.flush();
                }
            }
            w.println();
            w.flush();
            reader.getHistory().save();
        }
        return 0;
    }

    private interface Turn {
        ChatSession.Reply run();
    }

    private static void stream(Turn turn, AtomicBoolean cancel, PrintWriter w, Terminal terminal) {
        cancel.set(false);
        ChatSession.Reply r = turn.run();
        if (r.stop() == ChatSession.Stop.CANCELLED) {
            w.print(new AttributedString(" [stopped]", AttributedStyle.DEFAULT.foreground(AttributedStyle.YELLOW)).toAnsi(terminal));
        }
        w.println();
        w.flush();
    }
}
