package dev.cortado.tokenizer.bpe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.TestFiles;
import dev.cortado.tokenizer.Tokenizer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Not a unit test: compares with the ids Hugging Face's tokenizers library wrote (tools/check-hf-bpe.sh).
 * Runs only when {@code -Dcortado.bpeOracle=FILE} is given.
 */
class ByteLevelBpeOracleCheck {
    @Test
    void matchesHuggingFace() throws Exception {
        String file = System.getProperty("cortado.bpeOracle");
        Assumptions.assumeTrue(file != null, "only with -Dcortado.bpeOracle=FILE (tools/check-hf-bpe.sh)");
        JsonNode root = new ObjectMapper().readTree(Path.of(file).toFile());
        List<String> texts = new ArrayList<>();
        root.get("texts").forEach(t -> texts.add(t.asText()));
        List<String> diffs = new ArrayList<>();
        for (var it = root.get("tokenizers").fields(); it.hasNext(); ) {
            var e = it.next();
            Tokenizer tok = ByteLevelBpe.fromHuggingFace(TestFiles.sharedFile("tokenizers/hf/" + e.getKey() + "/tokenizer.json"));
            for (int i = 0; i < texts.size(); i++) {
                int[] plain = ids(e.getValue().get("plain").get(i)), special = ids(e.getValue().get("special").get(i));
                int[] got = tok.encode(texts.get(i)), gotModel = tok.encodeForModel(texts.get(i));
                if (!Arrays.equals(plain, got))
                    diffs.add(e.getKey() + " " + i + " " + texts.get(i).codePoints().boxed().toList() + ": want " + Arrays.toString(plain) + " got " + Arrays.toString(got));
                if (!Arrays.equals(special, gotModel))
                    diffs.add(e.getKey() + " (with specials) " + i + ": want " + Arrays.toString(special) + " got " + Arrays.toString(gotModel));
            }
        }
        System.out.println("oracle: " + texts.size() + " texts, " + diffs.size() + " differences");
        if (!diffs.isEmpty()) fail(diffs.size() + " differences:\n" + String.join("\n", diffs.subList(0, Math.min(30, diffs.size()))));
    }

    private static int[] ids(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }
}
