package dev.cortado.chat;

import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import dev.cortado.model.Generator;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.Sampler;
import dev.cortado.model.Transformer;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Greedy chat sessions on the shared models: each reply is the engine's greedy continuation of the
 * rendered prompt, cut at the same stop tokens and strings; reusing the cache between turns gives
 * the same tokens as evaluating the whole history from scratch; a full context drops the oldest
 * turns and keeps the system prompt.
 */
class ChatSessionTest {
    @TempDir
    Path tmp;

    /** Collects the streamed text and the notices. */
    static final class Collect implements ChatSession.Listener {
        final StringBuilder text = new StringBuilder();
        final List<String> notices = new ArrayList<>();

        @Override
        public void text(String t) {
            text.append(t);
        }

        @Override
        public void notice(String m) {
            notices.add(m);
        }
    }

    private record Model(ModelFile file, Transformer t, Tokenizer tok) implements AutoCloseable {
        static Model open(String shared, int ctx) {
            ModelFile f = ModelLoader.open(TestFiles.sharedFile(shared));
            return new Model(f, new Transformer(f, ctx, 32), Tokenizers.of(f.tokenizer()));
        }

        ChatSession session(String template) {
            ChatTemplate tpl = template == null ? null
                    : ChatTemplate.forTokenizer(file.tokenizer(), template).orElseThrow().withNow(LocalDateTime.of(2026, 1, 1, 0, 0));
            return new ChatSession(t, tok, tpl, Sampler.Settings.greedy());
        }

        @Override
        public void close() {
            t.close();
            file.close();
        }
    }

    /** The reply equals the engine's greedy continuation of the rendered prompt, cut where the session stopped, for what it stopped at. */
    private static void assertMatchesGenerator(Model m, ChatSession s, List<ChatMessage> before, ChatSession.Reply r) {
        int[] prompt = s.promptIds(before);
        StringBuilder text = new StringBuilder();
        try (Transformer fresh = new Transformer(m.file(), m.t().contextLength(), 32)) {
            Generator.Result g = new Generator(fresh, m.tok(), new Sampler(Sampler.Settings.greedy()))
                    .generate(prompt, r.tokens().length + 1, (id, t) -> text.append(t));
            int[] gen = g.generated();
            assertTrue(gen.length >= r.tokens().length, "generator stopped early: " + g.stop());
            assertArrayEquals(Arrays.copyOf(gen, r.tokens().length), r.tokens());
            switch (r.stop()) {
                case END_OF_TURN -> assertTrue(gen.length == r.tokens().length || s.stopTokens().contains(gen[r.tokens().length]),
                        "the generator's next token ends the turn");
                case STOP_STRING -> {
                    int cut = Integer.MAX_VALUE;
                    for (String stop : s.stopStrings()) if (text.indexOf(stop) >= 0) cut = Math.min(cut, text.indexOf(stop));
                    assertEquals(text.substring(0, cut), r.text());
                }
                case LENGTH -> assertEquals(m.tok().decode(r.tokens()), r.text());
                default -> throw new AssertionError("unexpected stop " + r.stop());
            }
        }
    }

    private static ChatSession.Reply turn(Model m, ChatSession s, String user) {
        List<ChatMessage> before = new ArrayList<>(s.messages());
        before.add(ChatMessage.user(user));
        Collect c = new Collect();
        ChatSession.Reply r = s.send(user, c, () -> false);
        assertEquals(r.text(), c.text.toString(), "streamed text is the reply");
        assertMatchesGenerator(m, s, before, r);
        System.out.printf("%s: %d prompt tokens (%d reused), %d generated, stop %s%n", m.file().path().getFileName(),
                r.promptTokens(), r.reusedTokens(), r.tokens().length, r.stop());
        for (String stop : s.stopStrings()) assertFalse(r.text().contains(stop), "stop string shown: " + stop);
        return r;
    }

    @Test
    void tinyStoriesChatmlMatchesGreedyGenerate() {
        try (Model m = Model.open("models/tinystories-656k", 0)) {
            ChatSession s = m.session("chatml");
            s.system("You tell stories.");
            s.maxTokens(80);
            ChatSession.Reply r1 = turn(m, s, "Tell me about a cat.");
            ChatSession.Reply r2 = turn(m, s, "And a dog?");
            assertTrue(r2.reusedTokens() > r1.promptTokens() / 2, "turn 2 reused the cache: " + r2.reusedTokens());
        }
    }

    @Test
    void stories260kPlainCompletionMatchesGreedyGenerate() {
        try (Model m = Model.open("models/stories260K/stories260K.bin", 0)) {
            ChatSession s = m.session(null);
            assertTrue(s.plainCompletion());
            s.maxTokens(60);
            turn(m, s, "Once upon a time");
            turn(m, s, " The dog");
        }
    }

    @Test
    void ggufChatmlMatchesGreedyGenerate() {
        try (Model m = Model.open("models/llama-2-tiny-random/llama-2-tiny-random.gguf", 256)) {
            ChatSession s = m.session("chatml");
            s.maxTokens(20);
            turn(m, s, "Hello");
            turn(m, s, "Again");
        }
    }

    @Test
    void cacheReuseEqualsRecomputingFromScratch() {
        try (Model m = Model.open("models/tinystories-656k", 0)) {
            ChatSession a = m.session("chatml");
            a.maxTokens(40);
            a.system("Be nice.");
            a.send("Tell me a story.", new Collect(), () -> false);
            ChatSession.Reply r2 = a.send("What happened next?", new Collect(), () -> false);
            assertTrue(r2.reusedTokens() > 0);

            ChatSession b = m.session("chatml");  // a new session: nothing of the cache is trusted
            b.maxTokens(40);
            List<ChatMessage> history = a.messages().subList(0, a.messages().size() - 1);
            b.setMessages(history);
            ChatSession.Reply scratch = b.regenerate(new Collect(), () -> false);
            assertEquals(0, scratch.reusedTokens());
            assertArrayEquals(r2.tokens(), scratch.tokens());
            assertEquals(r2.text(), scratch.text());

            // /regen on the same session reuses the whole prompt but its last token
            ChatSession.Reply again = a.regenerate(new Collect(), () -> false);
            assertEquals(again.promptTokens() - 1, again.reusedTokens());
            assertArrayEquals(r2.tokens(), again.tokens());
        }
    }

    @Test
    void fullContextDropsOldestTurnsKeepsSystem() {
        try (Model m = Model.open("models/tinystories-656k", 96)) {
            ChatSession s = m.session("chatml");
            s.system("You are a storyteller.");
            s.maxTokens(16);
            Collect c = new Collect();
            for (int i = 0; i < 6; i++) s.send("Tell me story number " + i + ", please.", c, () -> false);
            assertFalse(c.notices.isEmpty(), "a notice when turns are dropped");
            assertTrue(c.notices.get(0).contains("dropped"), c.notices.get(0));
            assertEquals("You are a storyteller.", s.system());
            assertEquals("system", s.messages().get(0).role());
            assertTrue(s.turns().size() < 12, "oldest turns gone: " + s.turns().size());
            assertEquals(ChatMessage.assistant(s.lastReply().text()), s.turns().get(s.turns().size() - 1));
            assertTrue(s.turns().get(s.turns().size() - 2).content().contains("number 5"));
            assertTrue(s.contextTokens() <= 96);

            // after the drop the reply is the one a fresh session gives for the kept messages
            ChatSession fresh = m.session("chatml");
            fresh.maxTokens(16);
            fresh.setMessages(s.messages().subList(0, s.messages().size() - 1));
            assertArrayEquals(s.lastReply().tokens(), fresh.regenerate(new Collect(), () -> false).tokens());
        }
    }

    @Test
    void replyLongerThanTheContextDropsTurnsMidReplyOrStops() {
        try (Model m = Model.open("models/stories260K/stories260K.bin", 64)) {
            ChatSession s = m.session(null);
            s.maxTokens(200);
            Collect c = new Collect();
            ChatSession.Reply r1 = s.send("Once upon a time", c, () -> false);
            assertTrue(r1.stop() == ChatSession.Stop.CONTEXT_FULL || r1.stop() == ChatSession.Stop.END_OF_TURN, r1.stop().toString());
            assertTrue(s.contextTokens() <= 64);
            if (r1.stop() == ChatSession.Stop.CONTEXT_FULL) assertTrue(c.notices.get(c.notices.size() - 1).contains("full"));
            ChatSession.Reply r2 = s.send(" Then", c, () -> false);
            System.out.println("mid-reply: " + r1.stop() + " / " + r2.stop() + " " + c.notices);
            assertTrue(s.contextTokens() <= 64);
            assertTrue(c.notices.stream().anyMatch(n -> n.contains("dropped")), c.notices.toString());
            assertNotEquals(0, r2.tokens().length);

            // a long reply after several short turns: the oldest turns go mid-reply and the reply goes on
            ChatSession t = m.session(null);
            t.maxTokens(3);
            Collect d = new Collect();
            for (String u : List.of("One day", " A cat", " A dog", " The sun")) t.send(u, d, () -> false);
            t.maxTokens(100);
            ChatSession.Reply long1 = t.send(" Then", d, () -> false);
            System.out.println("long reply: " + long1.tokens().length + " tokens, " + long1.stop() + " " + d.notices);
            assertTrue(d.notices.stream().anyMatch(n -> n.contains("dropped")), d.notices.toString());
            assertTrue(long1.promptTokens() + long1.tokens().length > 64,
                    "the reply outgrew the room it started with: " + long1.promptTokens() + " + " + long1.tokens().length);
            assertTrue(t.contextTokens() <= 64);
        }
    }

    @Test
    void tooLongMessageIsAnErrorAndLeavesTheConversation() {
        try (Model m = Model.open("models/stories260K/stories260K.bin", 32)) {
            ChatSession s = m.session(null);
            CortadoException e = assertThrows(CortadoException.class, () -> s.send("word ".repeat(100), new Collect(), () -> false));
            assertTrue(e.getMessage().contains("context holds 32"), e.getMessage());
            assertTrue(s.turns().isEmpty());
        }
    }

    @Test
    void cancelUndoResetSaveLoad() {
        try (Model m = Model.open("models/tinystories-656k", 0)) {
            ChatSession s = m.session("chatml");
            s.system("Sys");
            ChatSession.Reply r = s.send("Hi", new Collect(), () -> true);
            assertEquals(ChatSession.Stop.CANCELLED, r.stop());
            assertEquals(2, s.turns().size());
            s.maxTokens(5);
            s.send("More", new Collect(), () -> false);
            assertEquals(4, s.turns().size());

            Path f = tmp.resolve("chat.json");
            ConversationFile.save(f, s.messages());
            ChatSession t = m.session("chatml");
            t.setMessages(ConversationFile.load(f));
            assertEquals(s.messages(), t.messages());
            assertEquals("Sys", t.system());

            assertTrue(s.undo());
            assertEquals(2, s.turns().size());
            s.reset();
            assertTrue(s.turns().isEmpty());
            assertEquals("Sys", s.system());
            assertFalse(s.undo());
            assertThrows(CortadoException.class, () -> s.regenerate(new Collect(), () -> false));
        }
    }
}
