package dev.cortado.cli;

import dev.cortado.model.KvCacheType;
import picocli.CommandLine;

import java.util.Locale;

/** {@code --kv-type f16|f32} of the engine commands (llama.cpp's --cache-type-k/-v, both at once). */
final class KvTypeConverter implements CommandLine.ITypeConverter<KvCacheType> {
    static final String DESCRIPTION = "KV cache precision: f16 (default, as llama.cpp; half the bytes per position) or f32";

    @Override
    public KvCacheType convert(String value) {
        try {
            return KvCacheType.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a KV cache type (f16, f32)");
        }
    }
}
