package dev.cortado.train;

import dev.cortado.Progress;
import dev.cortado.TestFiles;
import dev.cortado.chat.ChatTemplate;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.TokenizerData;
import dev.cortado.tokenizer.TokenizerFiles;
import dev.cortado.tokenizer.Tokenizers;
import dev.cortado.CortadoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Chat data with real tokenizers and their own templates (../shared/tokenizers/hf): the loss mask
 * covers exactly the assistant's tokens, checked by decoding the masked targets.
 */
class ChatMaskingTest {
    @TempDir
    Path dir;

    record Model(Tokenizer tok, ChatTemplate template) {}

    static Model model(String name) {
        Path json = TestFiles.sharedFile("tokenizers/hf/" + name + "/tokenizer.json");
        TokenizerData data = TokenizerFiles.fromHuggingFace(json, json.resolveSibling("tokenizer_config.json"));
        return new Model(Tokenizers.fromTokenizerJson(json), ChatTemplate.forTokenizer(data, null).orElseThrow());
    }

    static final String SINGLE = "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"Say hi\"},{\"role\":\"assistant\",\"content\":\"Hello there!\"}]}\n";
    static final String MULTI = "{\"messages\":[{\"role\":\"user\",\"content\":\"2+2?\"},{\"role\":\"assistant\",\"content\":\"It is 4.\"},"
            + "{\"role\":\"user\",\"content\":\"And 3+3?\"},{\"role\":\"assistant\",\"content\":\"That makes 6.\"}]}\n";

    DatasetSplit load(Model m, String content) throws IOException {
        Path f = dir.resolve("chat.jsonl");
        Files.writeString(f, content);
        return FinetuneData.load(f, m.tok(), m.template(), new DataOptions(256, 0, 1, false), Progress.NONE);
    }

    @Test
    void chatmlMasksTheReplyAndItsEndOfTurn() throws IOException {
        Model m = model("minueza-32m-ultrachat");
        DatasetSplit s = load(m, SINGLE + MULTI);
        assertEquals("messages", s.report().format());
        assertEquals(List.of("Hello there!<|im_end|>", "It is 4.<|im_end|>", "That makes 6.<|im_end|>"),
                PackedRuns.decodedRuns(s.train(), m.tok()), "the newline after <|im_end|> is not trained");
    }

    @Test
    void llama3MasksEveryAssistantTurnOfOneExample() throws IOException {
        Model m = model("llama3");
        DatasetSplit s = load(m, MULTI);
        assertEquals(1, s.train().size());
        assertEquals(List.of("It is 4.<|eot_id|>", "That makes 6.<|eot_id|>"), PackedRuns.decodedRuns(s.train(), m.tok()));
        int[] row = PackedRuns.rows(s.train()).get(0);
        assertEquals(m.tok().bosId(), row[0], "the template's own BOS starts the sequence");
        assertEquals(1, java.util.Arrays.stream(row).filter(t -> t == m.tok().bosId()).count(),
                "one example: the header the template appends to every render is not mistaken for a changed turn");
    }

    @Test
    void qwen3SplitsAConversationWhoseEarlierTurnsRenderDifferently() throws IOException {
        Model m = model("qwen3");
        DatasetSplit single = load(m, SINGLE);
        assertEquals(List.of("Hello there!<|im_end|>"), PackedRuns.decodedRuns(single.train(), m.tok()));
        // Qwen3 puts an empty <think></think> block only into turns after the last user message, so the
        // first reply renders differently once the second user message follows: one example per turn.
        DatasetSplit multi = load(m, MULTI);
        assertEquals(1, multi.report().examples(), "still one conversation");
        List<String> runs = PackedRuns.decodedRuns(multi.train(), m.tok());
        assertEquals(List.of("It is 4.<|im_end|>", "That makes 6.<|im_end|>"), runs);
        List<int[]> rows = PackedRuns.rows(multi.train());
        String all = PackedRuns.text(m.tok(), rows.get(0));
        assertTrue(all.indexOf("<|im_start|>", 1) > 0 && all.split("<\\|im_start\\|>user", -1).length >= 3,
                "the second example repeats the conversation up to its turn: " + all);
    }

    @Test
    void badConversationsNameTheLine() throws IOException {
        Model m = model("minueza-32m-ultrachat");
        Path f = dir.resolve("bad.jsonl");
        for (String[] c : new String[][]{
                {"{\"messages\":[]}", "line 2: \"messages\" must be a non-empty array"},
                {"{\"messages\":[{\"content\":\"hi\"}]}", "line 2: messages[0].role is missing"},
                {"{\"messages\":[{\"role\":\"user\",\"content\":3}]}", "line 2: messages[0].content is a number, not a string"},
                {"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "line 2: the conversation has no assistant message"},
                {"{\"messages\":[\"hi\"]}", "line 2: messages[0] is a string, not an object"}}) {
            Files.writeString(f, SINGLE + c[0] + "\n");
            CortadoException e = assertThrows(CortadoException.class, () ->
                    FinetuneData.load(f, m.tok(), m.template(), new DataOptions(256, 0, 1, false), Progress.NONE));
            assertTrue(e.getMessage().contains(c[1]) && !e.getMessage().contains("\n"), e.getMessage());
            DatasetSplit s = FinetuneData.load(f, m.tok(), m.template(), new DataOptions(256, 0, 1, true), Progress.NONE);
            assertEquals(1, s.report().skippedBad());
        }
    }

    @Test
    void aTemplateThatRefusesTheConversationIsABadLine() throws IOException {
        Model m = model("minueza-32m-ultrachat");
        ChatTemplate strict = ChatTemplate.fromJinja("strict", "{% for m in messages %}{% if m.role == 'system' %}"
                + "{{ raise_exception('no system role') }}{% endif %}{{ m.role + ': ' + m.content + '\\n' }}{% endfor %}"
                + "{% if add_generation_prompt %}assistant: {% endif %}", "<s>", "</s>");
        Path f = dir.resolve("refused.jsonl");
        Files.writeString(f, MULTI + SINGLE);
        CortadoException e = assertThrows(CortadoException.class, () ->
                FinetuneData.load(f, m.tok(), strict, new DataOptions(256, 0, 1, false), Progress.NONE));
        assertTrue(e.getMessage().contains("line 2: ") && e.getMessage().contains("no system role"), e.getMessage());
        DatasetSplit s = FinetuneData.load(f, m.tok(), strict, new DataOptions(256, 0, 1, true), Progress.NONE);
        assertEquals(List.of("It is 4.", "That makes 6."), PackedRuns.decodedRuns(s.train(), m.tok()),
                "with no end-of-turn marker the trailing newline is left out");
    }
}
