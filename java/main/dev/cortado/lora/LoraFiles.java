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
