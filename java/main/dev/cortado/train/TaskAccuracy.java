package dev.cortado.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.cortado.CortadoException;
import dev.cortado.Progress;
import dev.cortado.model.Generator;
import dev.cortado.model.Sampler;
import dev.cortado.model.Transformer;
import dev.cortado.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A held-out task score, the "does it learn" check of fine-tuning: greedy-decode each prompt and
 * count the example correct when the decoded text, trimmed, starts with the expected completion,
 * trimmed. Run it before and after training (with the adapter applied to the model) to compare.
 */
public final class TaskAccuracy {
    private TaskAccuracy() {}

    /**
     * The fraction of {@code examples} the model gets right, decoding up to {@code maxNewTokens} from
     * BOS (when the tokenizer adds one) + the prompt's tokens, as the training data starts them.
     */
    public static double greedyAccuracy(Transformer model, Tokenizer tok, List<PromptCompletion> examples, int maxNewTokens) {
        if (examples.isEmpty()) throw new CortadoException("no task examples to score");
        if (maxNewTokens < 1) throw new CortadoException("max new tokens " + maxNewTokens + " must be at least 1");
        Generator generator = new Generator(model, tok, new Sampler(Sampler.Settings.greedy()));
        Integer bos = tok.addsBos() ? tok.bosId() : null;
        int correct = 0;
        for (PromptCompletion ex : examples) {
            int[] ids = tok.encode(ex.prompt());
            int[] prompt = ids;
            if (bos != null) {
                prompt = new int[ids.length + 1];
                prompt[0] = bos;
                System.arraycopy(ids, 0, prompt, 1, ids.length);
            }
            Generator.Result r = generator.generate(prompt, maxNewTokens, (id, text) -> {});
            if (isCorrect(tok.decode(r.generated()), ex.completion())) correct++;
        }
        return (double) correct / examples.size();
    }

    static boolean isCorrect(String decoded, String expected) {
        return decoded.strip().startsWith(expected.strip());
    }

    /** The prompt/completion examples of a .jsonl file; bad lines are CortadoExceptions naming the line. */
    public static List<PromptCompletion> read(Path jsonl) {
        List<PromptCompletion> out = new ArrayList<>();
        DataLines.forEach(jsonl, Progress.NONE, (number, text) -> {
            if (text.isBlank()) return;
            JsonNode n;
            try {
                n = JsonlExamples.MAPPER.readTree(text);
            } catch (JsonProcessingException e) {
                throw new BadLine(number, "malformed JSON: " + JsonlExamples.oneLine(e.getOriginalMessage()));
            }
            if (n == null || !n.isObject() || !n.path("prompt").isTextual() || !n.path("completion").isTextual()) {
                throw new BadLine(number, "expected {\"prompt\": string, \"completion\": string}");
            }
            out.add(new PromptCompletion(n.get("prompt").asText(), n.get("completion").asText()));
        }, bad -> {
            throw CortadoException.inFile(jsonl, "line " + bad.line + ": " + bad.getMessage());
        });
        if (out.isEmpty()) throw CortadoException.inFile(jsonl, "holds no examples");
        return out;
    }
}
