package dev.cortado.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cortado.Progress;
import dev.cortado.TestFiles;
import dev.cortado.tensor.TensorType;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TinyStories-656K (Hugging Face safetensors, rotate-half Q/K permuted to GGUF's layout on load):
 * greedy ids equal the independent fp32 reference, from the directory and from a GGUF conversion;
 * quantized conversions stay close (logit errors against F32 printed and loosely bounded) and
 * still write stories.
 */
class TinyStoriesTest {
    @TempDir
    Path tmp;

    record Expected(int[] prompt, int[] greedy) {}

    static Expected expected(Path dir) throws Exception {
        JsonNode j = new ObjectMapper().readTree(dir.resolve("expected_greedy.json").toFile());
        return new Expected(ints(j.get("prompt_ids")), ints(j.get("greedy_ids")));
    }

    static int[] ints(JsonNode a) {
        return StreamSupport.stream(a.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }

    static int[] greedy(Path model, int[] prompt, int n) {
        try (ModelFile f = ModelLoader.open(model); Transformer t = new Transformer(f, 0, 16)) {
            Generator g = new Generator(t, Tokenizers.of(f.tokenizer()), new Sampler(Sampler.Settings.greedy()));
            Generator.Result r = g.generate(prompt, n, (id, s) -> {});
            System.out.printf("%s: %.0f tok/s prompt, %.0f tok/s generate%n", model.getFileName(),
                    r.promptTokensPerSecond(), r.generateTokensPerSecond());
            return r.generated();
        }
    }

    static float[] allLogits(Path model, int[] tokens) {
        try (ModelFile f = ModelLoader.open(model); Transformer t = new Transformer(f, 0, 16)) {
            float[] out = new float[tokens.length * t.vocabSize()];
            t.forwardAll(tokens, 0, out);
            return out;
        }
    }

    @Test
    void safetensorsAndGgufGreedyMatchReference() throws Exception {
        Path dir = TestFiles.sharedFile("models/tinystories-656k");
        Expected e = expected(dir);
        Tokenizer tok;
        try (ModelFile f = ModelLoader.open(dir)) {
            tok = Tokenizers.of(f.tokenizer());
            assertArrayEquals(e.prompt(), tok.encodeForModel("Once upon a time"));
            ModelWriter.writeGguf(f, tmp.resolve("ts.gguf"), null, Progress.NONE);
        }
        assertArrayEquals(e.greedy(), greedy(dir, e.prompt(), e.greedy().length));
        assertArrayEquals(e.greedy(), greedy(tmp.resolve("ts.gguf"), e.prompt(), e.greedy().length));
    }

    @Test
    void batchedPrefillMatchesTokenByToken() throws Exception {
        Path dir = TestFiles.sharedFile("models/tinystories-656k");
        Expected e = expected(dir);
        int[] tokens = concat(e.prompt(), Arrays.copyOf(e.greedy(), 60));
        float[] all = allLogits(dir, tokens);
        try (ModelFile f = ModelLoader.open(dir); Transformer t = new Transformer(f, 0, 7)) {
            int V = t.vocabSize();
            double err = 0;
            for (int i = 0; i < tokens.length; i++) {
                float[] l = t.forward(new int[]{tokens[i]}, i);
                for (int v = 0; v < V; v++) err = Math.max(err, Math.abs(l[v] - all[i * V + v]));
            }
            System.out.println("prefill (batch 16) vs decode (1 token): max logit difference " + err);
            assertTrue(err < 1e-3, "max difference " + err);
        }
    }

    @Test
    void quantizedConversionsStayClose() throws Exception {
        Path dir = TestFiles.sharedFile("models/tinystories-656k");
        Expected e = expected(dir);
        int[] tokens = concat(e.prompt(), e.greedy());
        float[] ref = allLogits(dir, tokens);
        // loose bounds on the mean absolute logit error (the logits span about ±20); a 656K-parameter model
        // amplifies rounding, so greedy paths part after a few tokens even at Q8_0 (llama.cpp sees the same)
        Object[][] cases = {{TensorType.Q8_0, 0.05, 3}, {TensorType.Q4_0, 0.6, 0}, {TensorType.Q4_K, 0.6, 0}};
        try (ModelFile f = ModelLoader.open(dir)) {
            Tokenizer tok = Tokenizers.of(f.tokenizer());
            for (Object[] c : cases) {
                TensorType type = (TensorType) c[0];
                Path out = tmp.resolve("ts-" + type + ".gguf");
                ModelWriter.writeGguf(f, out, type, Progress.NONE);
                float[] got = allLogits(out, tokens);
                double max = 0, sum = 0;
                for (int i = 0; i < ref.length; i++) {
                    double d = Math.abs(ref[i] - got[i]);
                    max = Math.max(max, d);
                    sum += d;
                }
                int[] ids = greedy(out, e.prompt(), 60);
                int same = 0;
                while (same < ids.length && ids[same] == e.greedy()[same]) same++;
                String text = tok.decode(ids);
                System.out.printf("%s: logits max |err| %.4f, mean |err| %.4f; greedy agrees for %d of 60 tokens: %s%n",
                        type, max, sum / ref.length, same, text.replace("\n", "\\n"));
                assertTrue(sum / ref.length < (double) c[1], type + " mean error " + sum / ref.length);
                assertTrue(same >= (int) c[2], type + " greedy agrees for only " + same + " tokens");
                assertTrue(text.chars().filter(ch -> ch == ' ').count() > 20 && text.matches("[\\x20-\\x7e\\n]+"),
                        type + " text is not English-like: " + text);
            }
        }
    }

    static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
