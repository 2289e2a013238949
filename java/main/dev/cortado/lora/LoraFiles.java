package dev.cortado.lora;

import dev.cortado.CortadoException;
import dev.cortado.model.ModelConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a LoRA adapter in either format Cortado reads, telling them apart by what is on disk. */
public final class LoraFiles {
    private LoraFiles() {}

    /** The formats of LoRA adapters. */
    public enum Format { PEFT, GGUF }

    /**
     * The format at {@code path}: a directory (or a file inside one named adapter_config.json or
     * adapter_model.safetensors) is PEFT; a file starting with GGUF's magic is a GGUF LoRA.
     */
    public static Format formatOf(Path path) {
        if (!Files.exists(path)) throw CortadoException.inFile(path, "no such file or directory");
        if (Files.isDirectory(path)) return Format.PEFT;
        String name = path.getFileName().toString();
        if (name.equals(PeftAdapter.CONFIG) || name.equals(PeftAdapter.WEIGHTS)) return Format.PEFT;
        try (InputStream in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            if (magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F') return Format.GGUF;
        } catch (IOException e) {
            throw CortadoException.inFile(path, "cannot read: " + e.getMessage());
        }
        throw CortadoException.inFile(path, "not a LoRA adapter (neither a PEFT directory nor a GGUF file)");
    }

    /**
     * True when {@code path} holds a LoRA adapter rather than a model: a directory with
     * adapter_config.json, or a GGUF whose {@code general.type} is "adapter". Never throws for a
     * missing or unreadable path (false), so a command can ask before choosing its reader.
     */
    public static boolean isAdapter(Path path) {
        if (Files.isDirectory(path)) return Files.isRegularFile(path.resolve(PeftAdapter.CONFIG));
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (name.equals(PeftAdapter.CONFIG) || name.equals(PeftAdapter.WEIGHTS)) return true;
        try {
            if (formatOf(path) != Format.GGUF) return false;
            try (dev.cortado.io.gguf.GgufFile g = dev.cortado.io.gguf.GgufFile.open(path)) {
                return "adapter".equals(g.metadata().getString("general.type"));
            }
        } catch (CortadoException e) {
            return false;
        }
    }

    /**
     * Converts the adapter at {@code in} to the other format at {@code out}: a {@code .gguf} name
     * makes a GGUF LoRA, anything else a PEFT directory. {@code base} (nullable) gives the base's
     * architecture and head counts; {@code type} null keeps the stored element type.
     */
    public static LoraAdapter convert(Path in, Path out, ModelConfig base, dev.cortado.tensor.TensorType type) {
        LoraAdapter a = open(in, base);
        if (out.getFileName().toString().endsWith(".gguf")) GgufLoraAdapter.write(a, out, base, type);
        else PeftAdapter.write(a, out, base, type);
        return a;
    }

    /** Reads the adapter at {@code path}; {@code base} (nullable) gives the base's architecture and head counts. */
    public static LoraAdapter open(Path path, ModelConfig base) {
        return switch (formatOf(path)) {
            case PEFT -> PeftAdapter.read(Files.isDirectory(path) ? path : path.toAbsolutePath().getParent(), base);
            case GGUF -> {
                LoraAdapter a = GgufLoraAdapter.read(path);
                yield base == null ? a : a.withBase(base);
            }
        };
    }
}
