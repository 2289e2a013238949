package dev.cortado.cli;

import dev.cortado.lora.LoraFiles;
import dev.cortado.model.ModelFile;
import dev.cortado.model.Transformer;

import java.util.List;

/** {@code --lora PATH[:FACTOR]} (repeatable) of the engine commands: adapters applied at run time, unmerged. */
final class LoraOption {
    private LoraOption() {}

    static final String DESCRIPTION = "a LoRA adapter (PEFT directory or GGUF LoRA) applied at run time, "
            + "optionally with a factor (default 1); repeatable";

    /** Opens each adapter against {@code f}'s hyper-parameters and applies it to {@code t}; notes each on stderr. */
    static void apply(List<String> loras, ModelFile f, Transformer t) {
        for (String s : loras) {
            LoraCommand.AdapterArg arg = LoraCommand.AdapterArg.parse(s);
            var adapter = LoraFiles.open(arg.path(), f.config());
            t.addAdapter(adapter, arg.factor());
            System.err.printf("lora: %s, %d pairs, factor %s%n", arg.path(), adapter.tensors().size(), arg.factor());
        }
    }
}
