package dev.cortado.tokenizer;

import dev.cortado.CortadoException;
import dev.cortado.io.gguf.GgufMetadata;
import dev.cortado.io.llama2c.Llama2cTokenizerFile;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads and writes the tokenizer that model files carry: Hugging Face tokenizer.json (+ config),
 * llama2.c tokenizer.bin, GGUF {@code tokenizer.*} metadata, all as {@link TokenizerData} with the
 * meaning llama.cpp gives it, so that a converted GGUF carries what llama.cpp's own converter writes.
 */
public final class TokenizerFiles {
    private static final Pattern BYTE_TOKEN = Pattern.compile("<0x[0-9A-Fa-f]{2}>");
    /** llama2.c's exporter writes BOS and EOS with newlines around them, at these fixed ids. */
    private static final int LLAMA2C_UNK = 0, LLAMA2C_BOS = 1, LLAMA2C_EOS = 2;

    private TokenizerFiles() {}

    /**
     * A Hugging Face BPE tokenizer: byte-level (GPT-2, Llama 3, Qwen) → model "gpt2" with merges;
     * SentencePiece-style with byte fallback (Llama 2, Mistral, TinyStories) → model "llama" with scores
     * derived from the merge order (and the merges kept). {@code tokenizerConfigJson} may be null.
     * special_tokens_map.json, config.json and chat_template.jinja beside tokenizer.json are read when present.
     */
    public static TokenizerData fromHuggingFace(Path tokenizerJson, Path tokenizerConfigJson) {
        return HfTokenizerReader.read(tokenizerJson, tokenizerConfigJson);
    }

    /**
     * A llama2.c tokenizer.bin of {@code vocabSize} tokens → model "llama" with the file's scores, the
     * text llama.cpp uses (spaces back to "▁", "&lt;unk&gt;", "&lt;s&gt;", "&lt;/s&gt;") and token types
     * derived as llama.cpp's llama2.c converter does; bos 1, eos 2, unk 0, BOS added.
     */
    public static TokenizerData fromLlama2c(Path tokenizerBin, int vocabSize) {
        Llama2cTokenizerFile f = Llama2cTokenizerFile.read(tokenizerBin, vocabSize);
        if (vocabSize <= LLAMA2C_EOS)
            throw CortadoException.inFile(tokenizerBin, "a llama2.c vocabulary needs at least 3 tokens (unk, bos, eos), not " + vocabSize);
        List<String> tokens = new ArrayList<>(vocabSize);
        int[] types = new int[vocabSize];
        for (int i = 0; i < vocabSize; i++) {
            String text = new String(f.tokens().get(i), StandardCharsets.UTF_8);
            int type = TokenizerData.NORMAL;
            if (i == LLAMA2C_UNK) {
                text = "<unk>";
                type = TokenizerData.UNKNOWN;
            } else if (i == LLAMA2C_BOS) {
                text = "<s>";
                type = TokenizerData.CONTROL;
            } else if (i == LLAMA2C_EOS) {
                text = "</s>";
                type = TokenizerData.CONTROL;
            } else if (text.isEmpty()) {
                type = TokenizerData.CONTROL;
            } else if (BYTE_TOKEN.matcher(text).matches()) {
                type = TokenizerData.BYTE;
            }
            tokens.add(text.replace(' ', '\u2581'));
            types[i] = type;
        }
        return new TokenizerData("llama", "default", tokens, f.scores().clone(), types, null,
                LLAMA2C_BOS, LLAMA2C_EOS, LLAMA2C_UNK, null, null, true, false, null);
    }

    /**
     * The llama2.c tokenizer.bin for a "llama" vocabulary, as llama2.c's exporter writes it ("▁" as a
     * space, BOS and EOS as "\n&lt;s&gt;\n" and "\n&lt;/s&gt;\n"); scores 0 where the data has none.
     */
    public static Llama2cTokenizerFile toLlama2c(TokenizerData t) {
        if (!"llama".equals(t.model()))
            throw new CortadoException("llama2.c tokenizers are SentencePiece-style; cannot write tokenizer model '" + t.model() + "'");
        List<byte[]> tokens = new ArrayList<>(t.vocabSize());
        for (int i = 0; i < t.vocabSize(); i++) {
            String text = t.tokens().get(i).replace('\u2581', ' ');
            if (t.bosId() != null && i == t.bosId()) text = "\n" + t.tokens().get(i) + "\n";
            else if (t.eosId() != null && i == t.eosId()) text = "\n" + t.tokens().get(i) + "\n";
            tokens.add(text.getBytes(StandardCharsets.UTF_8));
        }
        float[] scores = t.scores() != null ? t.scores().clone() : new float[t.vocabSize()];
        return new Llama2cTokenizerFile(Llama2cTokenizerFile.longest(tokens), tokens, scores);
    }

    /** The tokenizer in GGUF metadata, or null when {@code md} has no {@code tokenizer.ggml.model}. */
    public static TokenizerData fromGguf(GgufMetadata md) {
        return GgufTokenizer.read(md);
    }

    /**
     * Writes {@code tokenizer.ggml.*} and {@code tokenizer.chat_template} with llama.cpp's value types
     * (tokens, merges: string arrays; scores: float32 array; token_type: int32 array; ids: uint32;
     * add_*_token: bool). Keys for absent fields are removed; a "llama" vocabulary gets no merges.
     */
    public static void toGguf(TokenizerData t, GgufMetadata md) {
        GgufTokenizer.write(t, md);
    }

    /** Writes tokenizer.json and tokenizer_config.json into {@code dir} (created when missing), each atomically. */
    public static void writeHuggingFace(TokenizerData t, Path dir) {
        HfTokenizerWriter.write(t, dir);
    }
}
