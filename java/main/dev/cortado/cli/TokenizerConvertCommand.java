package dev.cortado.cli;

import dev.cortado.CortadoException;
import dev.cortado.io.gguf.GgufFile;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.gguf.GgufWriter;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.tokenizer.TokenizerData;
import dev.cortado.tokenizer.TokenizerFiles;
import dev.cortado.tokenizer.tiktoken.Tiktoken;
import dev.cortado.tokenizer.tiktoken.TiktokenExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cortado tokenizer convert --in NAME_OR_PATH --out PATH}: a tokenizer in another format. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Write a tokenizer in another format.",
            "In: a tiktoken name (cl100k_base, …) or .tiktoken file, a tokenizer.json (or its directory), a GGUF,",
            "or a model (its tokenizer). Out: OUT.tiktoken (byte-level vocabularies), OUT.gguf (a vocabulary-only",
            "GGUF with tokenizer.ggml.* keys), or a directory (tokenizer.json + tokenizer_config.json)."})
final class TokenizerConvertCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, paramLabel = "NAME_OR_PATH", description = "the tokenizer to read")
    String in;

    @Option(names = "--out", required = true, paramLabel = "PATH", description = "OUT.tiktoken, OUT.gguf, or a directory")
    Path out;

    @Override
    public Integer call() {
        TokenizerData data = read(in);
        String name = out.getFileName().toString();
        if (name.endsWith(".tiktoken")) {
            Tiktoken.write(TiktokenExport.ranksOf(data), out);
        } else if (name.endsWith(".gguf")) {
            GgufMetadata md = new GgufMetadata();
            md.putString("general.name", in);
            TokenizerFiles.toGguf(data, md);
            GgufWriter.write(out, md, List.of());
        } else {
            TokenizerFiles.writeHuggingFace(data, out);
        }
        System.out.printf("%s -> %s: %s vocabulary of %d tokens%s%n", in, out, data.model(), data.vocabSize(),
                data.merges() != null ? ", " + data.merges().size() + " merges" : "");
        return 0;
    }

    static TokenizerData read(String in) {
        if (Tiktoken.NAMES.contains(in)) return TiktokenExport.toData(Tiktoken.named(in));
        Path p = Path.of(in);
        if (!Files.exists(p)) throw new CortadoException(in + ": no such tokenizer name or file");
        String n = p.getFileName().toString();
        if (n.endsWith(".tiktoken")) return TiktokenExport.toData(Tiktoken.load(p));
        Path json = Files.isDirectory(p) ? p.resolve("tokenizer.json") : n.endsWith(".json") ? p : null;
        if (json != null && Files.isRegularFile(json)) {
            Path cfg = json.resolveSibling("tokenizer_config.json");
            return TokenizerFiles.fromHuggingFace(json, Files.exists(cfg) ? cfg : null);
        }
        if (n.endsWith(".gguf")) {
            try (GgufFile g = GgufFile.open(p)) {
                TokenizerData t = TokenizerFiles.fromGguf(g.metadata());
                if (t == null) throw CortadoException.inFile(p, "carries no tokenizer (no tokenizer.ggml.model)");
                return t;
            }
        }
        try (ModelFile m = ModelLoader.open(p)) {
            if (m.tokenizer() == null) throw CortadoException.inFile(p, "carries no tokenizer");
            return m.tokenizer();
        }
    }
}
