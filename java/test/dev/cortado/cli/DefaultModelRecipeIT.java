package dev.cortado.cli;

import dev.cortado.TestFiles;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default chat model's recipe ({@code tools/default-model/recipe.sh}) in its reduced form, on the
 * built jar: every step (tokenizer train, pretrain, dialogues, finetune, lora merge, quantize, chat)
 * still runs and hands the next one a file it accepts, so the recipe does not rot between full runs.
 */
class DefaultModelRecipeIT {
    @TempDir
    Path tmp;

    @Test
    void theSmokeRecipeMakesAQuantizedChatModel() throws Exception {
        TestFiles.sharedFile("corpus/kjv.txt");  // skips without the corpus
        Path home = Path.of(System.getProperty("cortado.home", "."));
        Path log = tmp.resolve("recipe.log");
        Process p = new ProcessBuilder(home.resolve("tools/default-model/recipe.sh").toString(), "--smoke", "--out", tmp.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the smoke recipe finished");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        for (String step : List.of("== tokenizer", "== pretrain", "== dialogues", "== finetune", "== merge and quantize", "== check")) {
            assertTrue(out.contains(step), step + " ran:\n" + out);
        }
        Path model = tmp.resolve("default-model.gguf");
        try (ModelFile f = ModelLoader.open(model)) {
            f.validate();
            assertEquals(TensorType.Q8_0, f.require("blk.0.attn_q.weight").type());
            assertTrue(f.chatTemplate().contains("<|im_start|>"));
            assertEquals(f.tokenizer().tokens().indexOf("<|im_end|>"), f.tokenizer().eotId());
        }
        assertEquals(8, Files.readAllLines(tmp.resolve("base.run/train_log.jsonl")).size());
        assertTrue(Files.readString(tmp.resolve("summary.txt")).contains("final train loss"));
    }
}
