package dev.cortado.tokenizer;

import java.util.List;
import java.util.Set;

/**
 * Text to token ids and back. Implementations: tiktoken encodings, Hugging Face tokenizer.json
 * pipelines (byte-level and SentencePiece-style BPE), GGUF vocabularies, llama2.c tokenizer.bin.
 * Instances are immutable and thread-safe.
 *
 * <p>Special tokens: {@link #encode(String)} recognises every special (control / added) token in
 * the text, as Hugging Face does; {@link #encodeOrdinary(String)} treats them as plain text, as
 * tiktoken's {@code encode_ordinary} does; {@link #encode(String, Set)} recognises only those named.
 * None of them adds BOS/EOS; {@link #encodeForModel(String)} adds what the model expects.
 */
public interface Tokenizer {
    int vocabSize();

    /** Ids of {@code text}, recognising all special tokens; no BOS/EOS added. */
    int[] encode(String text);

    /** Ids of {@code text} with special-token text encoded as ordinary text. */
    int[] encodeOrdinary(String text);

    /** Ids of {@code text}, recognising only the special tokens in {@code allowedSpecial}. */
    int[] encode(String text, Set<String> allowedSpecial);

    /** Ids with BOS/EOS added as the tokenizer's post-processor or add-BOS flag says. */
    default int[] encodeForModel(String text) {
        int[] ids = encode(text);
        Integer bos = bosId();
        if (bos == null || !addsBos()) return ids;
        int[] out = new int[ids.length + 1];
        out[0] = bos;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /** Ids plus, for each token, the [start, end) char offsets into {@code text} it came from. */
    Encoding encodeWithOffsets(String text);

    /** The text of {@code ids}; bytes that do not form valid UTF-8 become U+FFFD. */
    String decode(int[] ids);

    /** A decoder for streaming: feeds ids one at a time, holding back incomplete UTF-8. */
    StreamingDecoder streamingDecoder();

    default int countTokens(String text) {
        return encode(text).length;
    }

    /** Encodes many texts on the common fork-join pool. */
    default List<int[]> encodeBatch(List<String> texts) {
        return texts.parallelStream().map(this::encode).toList();
    }

    /** The token's piece as the vocabulary stores it (e.g. "▁the", "Ġthe", "<0x0A>"). */
    String piece(int id);

    /** The token's raw bytes when decoded alone (before any decoder-level stripping). */
    byte[] bytes(int id);

    /** Special tokens by text → id (control and added special tokens). */
    java.util.Map<String, Integer> specialTokens();

    Integer bosId();

    Integer eosId();

    /** Whether {@link #encodeForModel} prepends BOS. */
    boolean addsBos();

    /** Ids with [start, end) char offsets. */
    record Encoding(int[] ids, int[] starts, int[] ends) {}

    /** Stateful incremental decoding (one per stream; not thread-safe). */
    interface StreamingDecoder {
        /** Text completed by this id (may be empty while a UTF-8 sequence is incomplete). */
        String feed(int id);

        /** Whatever is held back, flushed (incomplete bytes as U+FFFD). */
        String finish();
    }
}
