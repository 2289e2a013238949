package dev.cortado.io.llama2c;

import dev.cortado.CortadoException;
import dev.cortado.io.AtomicFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * llama2.c's {@code tokenizer.bin}: little-endian int32 {@code max_token_length}, then for each of the
 * model's {@code vocab_size} tokens a float32 score, an int32 byte length and the token's bytes. The
 * file does not say how many tokens it holds; the checkpoint's header does, so the reader is told.
 * Tokens are raw bytes as llama2.c's exporter wrote them (SentencePiece's "▁" turned into a space,
 * BOS and EOS as {@code "\n<s>\n"} and {@code "\n</s>\n"}).
 */
public record Llama2cTokenizerFile(int maxTokenLength, List<byte[]> tokens, float[] scores) {
    public Llama2cTokenizerFile {
        tokens = List.copyOf(tokens);
        if (scores.length != tokens.size())
            throw new IllegalArgumentException(scores.length + " scores for " + tokens.size() + " tokens");
    }

    /** Reads {@code vocabSize} tokens; a short, long or inconsistent file gives a one-line CortadoException. */
    public static Llama2cTokenizerFile read(Path file, int vocabSize) {
        if (vocabSize <= 0) throw CortadoException.inFile(file, "vocabulary size " + vocabSize + " is not positive");
        byte[] bytes;
        try {
            if (Files.size(file) > Integer.MAX_VALUE - 16)
                throw CortadoException.inFile(file, "too large for a llama2.c tokenizer (" + Files.size(file) + " bytes)");
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw CortadoException.inFile(file, "no such file");
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) throw CortadoException.inFile(file, "too short for a llama2.c tokenizer (" + bytes.length + " bytes)");
        int maxLen = buf.getInt();
        if (maxLen < 0) throw CortadoException.inFile(file, "max_token_length " + maxLen + " is negative");
        // Every token takes at least 8 bytes: refuse a vocabulary the file cannot hold before allocating for it.
        if ((long) vocabSize * 8 > buf.remaining())
            throw CortadoException.inFile(file, "holds at most " + buf.remaining() / 8 + " tokens but the model has " + vocabSize);
        float[] scores = new float[vocabSize];
        List<byte[]> tokens = new ArrayList<>(vocabSize);
        for (int i = 0; i < vocabSize; i++) {
            if (buf.remaining() < 8) throw CortadoException.inFile(file, "ends inside token " + i + " of " + vocabSize);
            scores[i] = buf.getFloat();
            int len = buf.getInt();
            if (len < 0 || len > buf.remaining())
                throw CortadoException.inFile(file, "token " + i + " has length " + len + " but " + buf.remaining() + " bytes remain");
            byte[] t = new byte[len];
            buf.get(t);
            tokens.add(t);
        }
        if (buf.hasRemaining())
            throw CortadoException.inFile(file, buf.remaining() + " bytes follow the " + vocabSize + " tokens (wrong vocabulary size?)");
        return new Llama2cTokenizerFile(maxLen, tokens, scores);
    }

    /** Writes the file through {@link AtomicFile}. */
    public void write(Path file) {
        int size = 4;
        for (byte[] t : tokens) size = Math.addExact(size, 8 + t.length);
        ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(maxTokenLength);
        for (int i = 0; i < tokens.size(); i++) {
            buf.putFloat(scores[i]).putInt(tokens.get(i).length).put(tokens.get(i));
        }
        buf.flip();
        AtomicFile.write(file, ch -> {
            while (buf.hasRemaining()) ch.write(buf);
        });
    }

    /** The longest token in bytes: what llama2.c's exporter writes as {@code max_token_length}. */
    public static int longest(List<byte[]> tokens) {
        int m = 0;
        for (byte[] t : tokens) m = Math.max(m, t.length);
        return m;
    }
}
