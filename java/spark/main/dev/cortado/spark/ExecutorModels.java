package dev.cortado.spark;

import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.Transformer;
import dev.cortado.tokenizer.Tokenizer;
import dev.cortado.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The models of one executor JVM: each GGUF is opened once (memory-mapped: its tasks share the
 * weights), and the engines over it (KV cache and activations, one per task running at once) are
 * kept for the next task instead of being rebuilt. Lives as long as the executor.
 */
final class ExecutorModels {
    /** A model file with its tokenizer and a pool of idle engines. */
    static final class Model {
        final ModelFile file;
        final Tokenizer tokenizer;
        private final int ctx;
        private final ArrayDeque<Transformer> idle = new ArrayDeque<>();

        Model(Path path, int ctx) {
            this.file = ModelLoader.open(path);
            this.tokenizer = Tokenizers.of(file.tokenizer());
            this.ctx = ctx;
        }

        synchronized Transformer borrow() {
            Transformer t = idle.poll();
            return t != null ? t : new Transformer(file, ctx, 32);
        }

        synchronized void giveBack(Transformer t) {
            idle.push(t);
        }
    }

    private static final Map<String, Model> MODELS = new HashMap<>();

    private ExecutorModels() {}

    static synchronized Model get(String path, int ctx) {
        return MODELS.computeIfAbsent(path + "#" + ctx, k -> new Model(Path.of(path), ctx));
    }
}
