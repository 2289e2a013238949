package dev.cortado.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.io.gguf.GgufValue;
import dev.cortado.model.ModelConfig;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.tensor.Tensor;
import dev.cortado.tokenizer.TokenizerData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code cortado inspect FILE_OR_DIR [--json]}: what a model file holds. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show a model's architecture, hyper-parameters, tokenizer, chat template and tensors.",
            "Reads GGUF files, Hugging Face directories (config.json + safetensors) and llama2.c checkpoints."})
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE_OR_DIR", description = "a .gguf file, a Hugging Face model directory, or a llama2.c .bin")
    Path path;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer to use (tokenizer.json, llama2.c tokenizer.bin, or a GGUF)")
    Path tokenizer;

    @Option(names = "--no-tensors", description = "leave out the tensor list")
    boolean noTensors;

    @Override
    public Integer call() {
        try (ModelFile m = ModelLoader.open(path, tokenizer)) {
            if (json) printJson(m, System.out);
            else printText(m, System.out);
        }
        return 0;
    }

    private void printText(ModelFile m, PrintStream out) {
        ModelConfig c = m.config();
        out.printf("%s: %s%n", m.path(), m.formatDetail());
        out.printf("architecture: %s%s%s%n", c.architecture(), c.name() != null ? " (" + c.name() + ")" : "",
                c.arch() == null ? " — not supported for running" : "");
        if (c.dim() > 0) {
            out.printf(Locale.ROOT, "  vocab %d · dim %d · layers %d · heads %d (kv %d, head dim %d) · ffn %d · context %d%n",
                    c.vocabSize(), c.dim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.headDim(), c.ffnDim(), c.contextLength());
            out.printf(Locale.ROOT, "  rms eps %s · rope base %s%s · embeddings %s%n", c.rmsEps(), c.ropeTheta(),
                    c.ropeScaling() != null ? " · rope scaling " + c.ropeScaling().type() + " ×" + c.ropeScaling().factor() : "",
                    c.tiedEmbeddings() ? "tied to the output" : "separate from the output");
        }
        TokenizerData t = m.tokenizer();
        if (t == null) {
            out.println("tokenizer: none");
        } else {
            out.printf("tokenizer: %s%s, %d tokens%s%s%s%s%n", t.model(), t.pre() != null ? " (pre " + t.pre() + ")" : "",
                    t.vocabSize(), t.merges() != null ? ", " + t.merges().size() + " merges" : "",
                    t.bosId() != null ? ", bos " + t.bosId() : "", t.eosId() != null ? ", eos " + t.eosId() : "",
                    Boolean.TRUE.equals(t.addBos()) ? ", adds bos" : "");
        }
        String tmpl = m.chatTemplate();
        out.println("chat template: " + (tmpl == null ? "none" : "yes (" + tmpl.length() + " characters)"));
        if (m.sourceMetadata() != null) {
            out.println("metadata (" + m.sourceMetadata().size() + " keys):");
            for (Map.Entry<String, GgufValue> e : m.sourceMetadata().asMap().entrySet()) {
                String v = e.getValue().describe().replace("\n", "\\n");
                if (v.length() > 100) v = v.substring(0, 97) + "...";
                out.printf("  %-45s %s%n", e.getKey(), v);
            }
        }
        out.printf("tensors: %d, %s parameters, %s%n", m.tensors().size(), Sizes.count(m.parameterCount()), Sizes.bytes(m.tensorBytes()));
        if (noTensors) return;
        int w = m.tensors().keySet().stream().mapToInt(String::length).max().orElse(10);
        for (Tensor x : m.tensors().values()) {
            out.printf("  %-" + w + "s  %-5s %-20s %s%n", x.name(), x.type().lowerName(), Arrays.toString(x.shape()), Sizes.bytes(x.byteSize()));
        }
    }

    private void printJson(ModelFile m, PrintStream out) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode o = mapper.createObjectNode();
        o.put("path", m.path().toString());
        o.put("format", m.format().name().toLowerCase(Locale.ROOT));
        o.put("format_detail", m.formatDetail());
        ModelConfig c = m.config();
        o.put("architecture", c.architecture());
        o.put("supported", c.arch() != null);
        if (c.name() != null) o.put("name", c.name());
        ObjectNode h = o.putObject("hyperparameters");
        h.put("vocab_size", c.vocabSize());
        h.put("dim", c.dim());
        h.put("layers", c.nLayers());
        h.put("heads", c.nHeads());
        h.put("kv_heads", c.nKvHeads());
        h.put("head_dim", c.headDim());
        h.put("ffn_dim", c.ffnDim());
        h.put("context_length", c.contextLength());
        h.put("rms_eps", c.rmsEps());
        h.put("rope_theta", c.ropeTheta());
        h.put("tied_embeddings", c.tiedEmbeddings());
        if (c.ropeScaling() != null) {
            ObjectNode rs = h.putObject("rope_scaling");
            rs.put("type", c.ropeScaling().type());
            rs.put("factor", c.ropeScaling().factor());
        }
        TokenizerData t = m.tokenizer();
        if (t == null) {
            o.putNull("tokenizer");
        } else {
            ObjectNode tj = o.putObject("tokenizer");
            tj.put("model", t.model());
            if (t.pre() != null) tj.put("pre", t.pre());
            tj.put("vocab_size", t.vocabSize());
            if (t.merges() != null) tj.put("merges", t.merges().size());
            if (t.bosId() != null) tj.put("bos_id", t.bosId());
            if (t.eosId() != null) tj.put("eos_id", t.eosId());
            if (t.unkId() != null) tj.put("unk_id", t.unkId());
            if (t.padId() != null) tj.put("pad_id", t.padId());
            if (t.addBos() != null) tj.put("add_bos", t.addBos());
            if (t.addEos() != null) tj.put("add_eos", t.addEos());
        }
        o.put("chat_template", m.chatTemplate() != null);
        if (m.sourceMetadata() != null) {
            ObjectNode md = o.putObject("metadata");
            for (Map.Entry<String, GgufValue> e : m.sourceMetadata().asMap().entrySet()) {
                GgufValue v = e.getValue();
                if (v.isArray()) md.put(e.getKey(), v.describe());
                else if (v.value() instanceof Long l) md.put(e.getKey(), l);
                else if (v.value() instanceof Float f) md.put(e.getKey(), f);
                else if (v.value() instanceof Double d) md.put(e.getKey(), d);
                else if (v.value() instanceof Boolean b) md.put(e.getKey(), b);
                else md.put(e.getKey(), String.valueOf(v.value()));
            }
        }
        o.put("parameters", m.parameterCount());
        o.put("bytes", m.tensorBytes());
        ArrayNode ts = o.putArray("tensors");
        if (!noTensors) {
            for (Tensor x : m.tensors().values()) {
                ObjectNode tn = ts.addObject();
                tn.put("name", x.name());
                tn.put("type", x.type().lowerName());
                ArrayNode sh = tn.putArray("shape");
                for (long d : x.shape()) sh.add(d);
                tn.put("bytes", x.byteSize());
            }
        }
        out.println(o.toPrettyString());
    }
}
