package dev.cortado.train;

import dev.cortado.CortadoException;
import dev.cortado.Progress;
import dev.cortado.TestFiles;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.Transformer;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The synthetic TinyStories-656K task (testdata/finetune-task, made by tools/finetune-task/make-task.py)
 * and {@link TaskAccuracy}: the files are what the fine-tune proof needs, and the base model scores near 0.
 */
class FinetuneTaskTest {
    static final Path TRAIN = TestFiles.testdata().resolve("finetune-task/train.jsonl");
    static final Path EVAL = TestFiles.testdata().resolve("finetune-task/eval.jsonl");

    @TempDir
    Path dir;

    static Tokenizer tinyStories() {
        return Tokenizers.load(TestFiles.sharedFile("models/tinystories-656k"));
    }

    @Test
    void taskFilesHoldDistinctPromptsAndSmallCounts() {
        List<PromptCompletion> train = TaskAccuracy.read(TRAIN), eval = TaskAccuracy.read(EVAL);
        assertEquals(800, train.size());
        assertEquals(100, eval.size());
        Set<String> trainPrompts = new HashSet<>();
        train.forEach(p -> trainPrompts.add(p.prompt()));
        assertTrue(eval.stream().noneMatch(p -> trainPrompts.contains(p.prompt())), "no eval prompt appears in train");
        for (PromptCompletion p : eval) assertTrue(p.prompt().matches("(?s).*\\b" + p.completion() + "\\b.*"), "the answer is read from the prompt: " + p);
    }

    @Test
    void promptTokensArePrefixesAndAnswersSingleTokens() {
        Tokenizer tok = tinyStories();
        for (PromptCompletion p : TaskAccuracy.read(TRAIN)) {
            int[] prompt = tok.encode(p.prompt()), whole = tok.encode(p.prompt() + p.completion());
            assertArrayEquals(prompt, Arrays.copyOf(whole, prompt.length), "prompt tokens are a prefix: " + p);
            assertEquals(prompt.length + 1, whole.length, "the answer is one token: " + p);
        }
        DatasetSplit s = FinetuneData.load(TRAIN, tok, null, new DataOptions(64, 0.1, 5, false), Progress.NONE);
        assertEquals(720 + 80, s.report().examples());
        assertEquals(0, s.report().truncated());
        assertEquals(2L * 720, s.report().trainTokens(), "loss on the answer token and EOS only");
        assertEquals(2L * 80, s.report().evalTokens());
    }

    @Test
    void baseModelScoresNearZero() {
        Path model = TestFiles.sharedFile("models/tinystories-656k");
        Tokenizer tok = tinyStories();
        try (ModelFile f = ModelLoader.open(model); Transformer t = new Transformer(f, 0, 64)) {
            double acc = TaskAccuracy.greedyAccuracy(t, tok, TaskAccuracy.read(EVAL), 4);
            System.out.println("TinyStories-656K base accuracy on the finetune task: " + acc);
            assertTrue(acc <= 0.15, "the base model should not already solve the task: " + acc);
        }
    }

    @Test
    void correctnessIsATrimmedPrefixMatch() {
        assertTrue(TaskAccuracy.isCorrect(" ball. Then", "ball"));
        assertTrue(TaskAccuracy.isCorrect("ball", " ball "));
        assertFalse(TaskAccuracy.isCorrect("a ball", "ball"));
    }

    @Test
    void badTaskFilesAreOneLineErrors() throws IOException {
        Path f = dir.resolve("t.jsonl");
        Files.writeString(f, "{\"prompt\":\"a\",\"completion\":\"b\"}\n{\"text\":\"x\"}\n");
        CortadoException e = assertThrows(CortadoException.class, () -> TaskAccuracy.read(f));
        assertTrue(e.getMessage().contains("line 2: expected {\"prompt\": string, \"completion\": string}"), e.getMessage());
        Files.writeString(f, "\n");
        assertTrue(assertThrows(CortadoException.class, () -> TaskAccuracy.read(f)).getMessage().contains("holds no examples"));
    }
}
