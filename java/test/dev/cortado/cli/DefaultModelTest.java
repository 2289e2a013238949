package dev.cortado.cli;

import dev.cortado.chat.ChatSession;
import dev.cortado.chat.ChatTemplate;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.Sampler;
import dev.cortado.model.Transformer;
import dev.cortado.tokenizer.Tokenizers;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default chat model (testdata/default-model.gguf, made by {@code make default-model}): it loads,
 * answers a greeting in the chat format without showing template markers, and stops at the end of
 * its turn; {@code cortado chat} with no --model uses it.
 */
class DefaultModelTest {
    static Path model() {
        Path p = DefaultModel.path();
        Assumptions.assumeTrue(Files.isRegularFile(p), "no default model at " + p + " (make default-model)");
        return p;
    }

    @Test
    void theDefaultModelIsTheCheckoutsTestdataFile() {
        Assumptions.assumeTrue(System.getenv("CORTADO_DEFAULT_MODEL") == null);
        assertTrue(DefaultModel.path().endsWith(Path.of("testdata", "default-model.gguf")), DefaultModel.path().toString());
    }

    @Test
    void withoutItChatSaysHowToGetIt() {
        Assumptions.assumeFalse(Files.isRegularFile(DefaultModel.path()), "the default model is there");
        CliTest.Run r = CliTest.run("chat");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("make default-model"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void itAnswersAGreetingAndStopsAtTheEndOfItsTurn() throws Exception {
        Path p = model();
        assertTrue(Files.size(p) <= 20L << 20, "at most 20 MB: " + Files.size(p));
        try (ModelFile f = ModelLoader.open(p); Transformer t = new Transformer(f, 0, 32)) {
            ChatTemplate tmpl = ChatTemplate.forTokenizer(f.tokenizer(), null).orElseThrow();
            ChatSession s = new ChatSession(t, Tokenizers.of(f.tokenizer()), tmpl, Sampler.Settings.greedy());
            s.maxTokens(128);
            ChatSession.Reply r = s.send("Hello", text -> {}, () -> false);
            assertEquals(ChatSession.Stop.END_OF_TURN, r.stop(), r.text());
            assertFalse(r.text().isBlank());
            assertFalse(r.text().contains("<|im_"), r.text());
            assertFalse(r.text().contains("<|endoftext|>"), r.text());
        }
    }

    @Test
    void chatWithNoModelUsesIt() {
        model();
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream("Hello\n".getBytes(StandardCharsets.UTF_8)));
            CliTest.Run r = CliTest.run("chat", "--temp", "0", "--max-tokens", "128", "--threads", "2");
            assertEquals(0, r.code(), r.err());
            assertFalse(r.out().isBlank());
            assertFalse(r.out().contains("<|im_"), r.out());
        } finally {
            System.setIn(old);
        }
    }
}
