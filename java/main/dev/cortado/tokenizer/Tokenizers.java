package dev.cortado.tokenizer;

import dev.cortado.CortadoException;
import dev.cortado.io.gguf.GgufFile;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.tokenizer.spm.HfSpmOptions;
import dev.cortado.tokenizer.bpe.ByteLevelBpe;
import dev.cortado.tokenizer.spm.SentencePieceBpe;
import dev.cortado.tokenizer.tiktoken.Tiktoken;
import dev.cortado.tokenizer.wpm.WordPiece;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes a {@link Tokenizer}: from the tokenizer data a model file carries ({@link #of}), or from a
 * name or path as the command line gives it ({@link #load}).
 */
public final class Tokenizers {
    /** The tiktoken encodings {@link #load} knows by name. */
    public static final List<String> TIKTOKEN_NAMES = List.of("r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base");
    private static final Pattern WITH_VOCAB = Pattern.compile("(.+):([0-9]{1,9})");
    static final String ACCEPTED = "give a tiktoken name (" + String.join(", ", TIKTOKEN_NAMES) + "), a .tiktoken file, "
            + "a tokenizer.json or a directory holding one, a .gguf file, a llama2.c tokenizer.bin (optionally PATH:VOCAB_SIZE), "
            + "or a model file or directory";

    private Tokenizers() {}

    /** The tokenizer for {@code data}, with llama.cpp's rules; a clear error for vocabulary kinds Cortado cannot encode. */
    public static Tokenizer of(TokenizerData data) {
        if (data == null) throw new CortadoException("the model carries no tokenizer (give one with --tokenizer)");
        return switch (data.model()) {
            case "llama" -> SentencePieceBpe.fromData(data);
            case "bert" -> WordPiece.fromData(data);
            case "gpt2" -> ByteLevelBpe.fromData(data, null);
            default -> throw new CortadoException("tokenizer model '" + data.model() + "' is not supported yet");
        };
    }

    /**
     * The tokenizer {@code nameOrPath} names: a tiktoken encoding name, a .tiktoken file, a Hugging Face
     * tokenizer.json (or a directory holding one, with tokenizer_config.json beside it), a GGUF file's
     * tokenizer, a llama2.c tokenizer.bin ({@code PATH:VOCAB_SIZE}, or the size counted from the file), or
     * the tokenizer of a model file or directory. Anything else: a one-line CortadoException saying what is accepted.
     */
    public static Tokenizer load(String nameOrPath) {
        if (nameOrPath == null || nameOrPath.isBlank()) throw new CortadoException("no tokenizer named; " + ACCEPTED);
        if (TIKTOKEN_NAMES.contains(nameOrPath)) return Tiktoken.named(nameOrPath);
        Path path = Path.of(nameOrPath);
        Matcher m = WITH_VOCAB.matcher(nameOrPath);
        if (!Files.exists(path) && m.matches() && Files.isRegularFile(Path.of(m.group(1)))) {
            return SentencePieceBpe.fromData(TokenizerFiles.fromLlama2c(Path.of(m.group(1)), Integer.parseInt(m.group(2))));
        }
        if (!Files.exists(path)) throw new CortadoException(nameOrPath + ": no such tokenizer name or file; " + ACCEPTED);
        return load(path);
    }

    /** As {@link #load(String)} for a path. */
    public static Tokenizer load(Path path) {
        if (Files.isDirectory(path)) {
            Path json = path.resolve("tokenizer.json");
            return Files.isRegularFile(json) ? fromTokenizerJson(json) : fromModel(path);
        }
        if (!Files.isRegularFile(path)) throw CortadoException.inFile(path, "no such tokenizer file; " + ACCEPTED);
        String name = path.getFileName().toString();
        if (name.endsWith(".tiktoken")) return Tiktoken.load(path);
        if (name.endsWith(".index.json") || name.endsWith(".safetensors")) return fromModel(path);
        if (name.endsWith(".json")) return fromTokenizerJson(path);
        String magic = magic(path);
        if (magic.equals("GGUF")) return fromGguf(path);
        int llama2cVocab = llama2cTokenCount(path);
        if (llama2cVocab > 0) return SentencePieceBpe.fromData(TokenizerFiles.fromLlama2c(path, llama2cVocab));
        try {
            return fromModel(path);
        } catch (CortadoException e) {
            throw CortadoException.inFile(path, "not a tokenizer or model file Cortado knows (" + e.getMessage() + "); " + ACCEPTED);
        }
    }

    /** A Hugging Face tokenizer.json: SentencePiece-style with the file's own options, byte-level through ByteLevelBpe. */
    public static Tokenizer fromTokenizerJson(Path json) {
        Path cfg = json.toAbsolutePath().resolveSibling("tokenizer_config.json");
        TokenizerData data = TokenizerFiles.fromHuggingFace(json, Files.isRegularFile(cfg) ? cfg : null);
        return switch (data.model()) {
            case "llama" -> SentencePieceBpe.fromData(data, HfSpmOptions.of(Json.read(json)));
            case "gpt2" -> ByteLevelBpe.fromHuggingFace(json);
            default -> of(data);
        };
    }

    /** A GGUF file's tokenizer, with the GGUF keys TokenizerData does not carry (add_space_prefix, cls, sep). */
    public static Tokenizer fromGguf(Path file) {
        try (GgufFile g = GgufFile.open(file)) {
            GgufMetadata md = g.metadata();
            TokenizerData data = TokenizerFiles.fromGguf(md);
            if (data == null) throw CortadoException.inFile(file, "carries no tokenizer (no tokenizer.ggml.model)");
            return switch (data.model()) {
                case "llama" -> SentencePieceBpe.fromData(data, md.getBool("tokenizer.ggml.add_space_prefix", true));
                case "bert" -> WordPiece.fromData(data, id(md, "tokenizer.ggml.cls_token_id", data), id(md, "tokenizer.ggml.seperator_token_id", data));
                case "gpt2" -> ByteLevelBpe.fromGguf(md);
                default -> of(data);
            };
        }
    }

    private static Integer id(GgufMetadata md, String key, TokenizerData data) {
        long v = md.getLong(key, -1);
        return v >= 0 && v < data.vocabSize() ? (int) v : null;
    }

    private static Tokenizer fromModel(Path path) {
        try (ModelFile m = ModelLoader.open(path)) {
            if (m.tokenizer() == null) throw CortadoException.inFile(path, "the model carries no tokenizer");
            return of(m.tokenizer());
        }
    }

    private static String magic(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return new String(in.readNBytes(4), java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw CortadoException.inFile(path, "cannot read: " + e.getMessage());
        }
    }

    /**
     * The number of tokens when {@code file} reads as a llama2.c tokenizer.bin to its last byte (max token
     * length, then score, length, bytes per token, no token longer than the max); 0 when it does not.
     */
    static int llama2cTokenCount(Path file) {
        try (FileChannel ch = FileChannel.open(file)) {
            long size = ch.size();
            if (size < 12 || size > Integer.MAX_VALUE) return 0;
            ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            int maxLen = buf.getInt();
            if (maxLen <= 0 || maxLen > 1 << 16) return 0;
            int count = 0;
            while (buf.hasRemaining()) {
                if (buf.remaining() < 8) return 0;
                float score = buf.getFloat();
                int len = buf.getInt();
                if (Float.isNaN(score) || len < 0 || len > maxLen || len > buf.remaining()) return 0;
                buf.position(buf.position() + len);
                count++;
            }
            return count >= 3 ? count : 0;
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        }
    }
}
