package dev.cortado.cli;

import dev.cortado.TestFiles;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cortado chat} as users run it, through {@code tools/cortado} on the shaded jar: piped
 * (stdin not a terminal) in scripts, and on a real terminal driven through tmux.
 */
class ChatIT {
    @TempDir
    Path tmp;

    static Path home() {
        return Path.of(System.getProperty("cortado.home", ".")).toAbsolutePath();
    }

    record Result(int code, String out, String err) {}

    private Result cortado(String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(home().resolve("tools/cortado").toString());
        cmd.addAll(List.of(args));
        Path in = tmp.resolve("in.txt"), out = tmp.resolve("out.txt"), err = tmp.resolve("err.txt");
        Files.writeString(in, stdin, StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("CORTADO_JAVA_OPTS", "-Duser.home=" + tmp);
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "cortado " + String.join(" ", args) + " finished");
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void pipedPlainCompletionMatchesGenerate() throws Exception {
        String model = TestFiles.sharedFile("models/stories260K/stories260K.bin").toString();
        Result chat = cortado("Once upon a time\n", "chat", "--model", model, "--temp", "0", "--max-tokens", "40");
        assertEquals(0, chat.code(), chat.err());
        assertTrue(chat.err().contains("no chat template: plain completion mode"), chat.err());
        Result gen = cortado("", "generate", "--model", model, "--temp", "0", "-n", "40", "--no-echo", "--prompt", "Once upon a time");
        assertEquals(0, gen.code(), gen.err());
        assertEquals(gen.out(), chat.out());
    }

    @Test
    void pipedChatIsDeterministicAndPlain() throws Exception {
        String model = TestFiles.sharedFile("models/tinystories-656k").toString();
        String input = "Tell me about a cat.\nAnd a dog?\n/stats\n";
        String[] args = {"chat", "--model", model, "--template", "chatml", "--temp", "0", "--max-tokens", "50", "--system", "You tell stories."};
        Result a = cortado(input, args), b = cortado(input, args);
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), b.out());
        assertFalse(a.out().contains("\u001b"), "no colours on stdout");
        assertFalse(a.out().contains("<|im_end|>") || a.out().contains("> "), a.out());
        assertTrue(a.err().contains("context:") && a.err().contains("from the cache"), "/stats goes to stderr: " + a.err());
        assertFalse(a.out().isBlank());

        // /save, then /load in a new process: the conversation (system prompt included) comes back
        Path saved = tmp.resolve("chat.json");
        Result s = cortado("Hi\n/save " + saved + "\n", args);
        assertEquals(0, s.code(), s.err());
        Result l = cortado("/load " + saved + "\n/stats\n/bogus\n", args);
        assertEquals(0, l.code(), l.err());
        assertTrue(l.err().contains("loaded 3 messages") && l.err().contains("unknown command /bogus"), l.err());
        assertEquals("", l.out());
    }

    // ---- a real terminal, through tmux

    private String socket;

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket, "-f", "/dev/null"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private String screen() throws IOException, InterruptedException {
        return tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "chat");
    }

    private String waitFor(String what, Predicate<String> done) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String s = screen();
        while (!done.test(s)) {
            if (System.nanoTime() > end) throw new AssertionError("waited for " + what + "; the screen:\n" + s);
            Thread.sleep(20);
            s = screen();
        }
        return s;
    }

    private static long prompts(String screen) {
        return screen.lines().filter(l -> l.startsWith("> ")).count();
    }

    private static boolean tmuxPresent() {
        try {
            return new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void terminalSession() throws Exception {
        Assumptions.assumeTrue(tmuxPresent(), "skipped: tmux is not installed (apt-get install tmux) — the terminal test needs it");
        String model = TestFiles.sharedFile("models/llama-2-tiny-random/llama-2-tiny-random.gguf").toString();
        socket = "cortado-chat-it-" + ProcessHandle.current().pid();
        String cmd = "env TERM=xterm-256color HOME=" + tmp + " CORTADO_JAVA_OPTS=-Duser.home=" + tmp + " "
                + home().resolve("tools/cortado") + " chat --model " + model + " --template chatml --temp 0 --ctx 4096 --max-tokens 12";
        // bash reports the exit status itself: with java as the pane's own process, tmux 3.3 sometimes
        // shows no "Pane is dead (status N)" after a Ctrl-C earlier in the session
        cmd = "bash -c '" + cmd + "; echo chat exited with status $?'";
        try {
            tmux("new-session", "-d", "-s", "chat", "-x", "110", "-y", "40");
            tmux("set-option", "-t", "chat", "remain-on-exit", "on");
            tmux("respawn-pane", "-k", "-t", "chat", cmd);
            waitFor("the greeting and prompt", s -> s.contains("/help for commands") && prompts(s) == 1);

            // a streamed reply, then the prompt again
            tmux("send-keys", "-t", "chat", "Hello there", "Enter");
            String s = waitFor("the reply", t -> prompts(t) == 2);
            String replyLine = s.lines().dropWhile(l -> !l.startsWith("> Hello there")).skip(1).findFirst().orElse("");
            assertFalse(replyLine.isBlank(), s);

            // Tab completes a slash command
            tmux("send-keys", "-t", "chat", "/he", "Tab");
            waitFor("/he completed to /help", t -> t.contains("> /help"));
            tmux("send-keys", "-t", "chat", "Enter");
            waitFor("the help text", t -> t.contains("/max_tokens") && prompts(t) == 3);

            // Ctrl-C stops a long reply and keeps the chat
            tmux("send-keys", "-t", "chat", "/max_tokens 4000", "Enter");
            waitFor("max_tokens set", t -> prompts(t) == 4);
            tmux("send-keys", "-t", "chat", "Go on", "Enter");
            waitFor("the long reply streaming", t -> t.lines().dropWhile(l -> !l.startsWith("> Go on")).skip(1).anyMatch(l -> !l.isBlank()));
            tmux("send-keys", "-t", "chat", "C-c");
            waitFor("the reply stopped", t -> t.contains("[stopped]") && prompts(t) == 5);
            tmux("send-keys", "-t", "chat", "/stats", "Enter");
            waitFor("/stats after the stop", t -> t.contains("stop: cancelled") && prompts(t) == 6);

            // an unknown command gets help, /exit leaves cleanly
            tmux("send-keys", "-t", "chat", "/frobnicate", "Enter");
            waitFor("the unknown-command message", t -> t.contains("unknown command /frobnicate") && prompts(t) == 7);
            tmux("send-keys", "-t", "chat", "/exit", "Enter");
            String end = waitFor("the chat to end", t -> t.contains("chat exited with status"));
            assertTrue(end.contains("chat exited with status 0"), end);
            String history = Files.readString(tmp.resolve(".cortado/chat_history"), StandardCharsets.UTF_8);
            assertTrue(history.contains("Hello there") && history.contains("/max_tokens 4000"), history);
        } finally {
            tmux("kill-server");
        }
    }
}
