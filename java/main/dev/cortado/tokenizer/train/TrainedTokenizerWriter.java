package dev.cortado.tokenizer.train;

import dev.cortado.tokenizer.ByteLevel;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.CortadoException;
import dev.cortado.io.AtomicFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Writes a trained tokenizer as a directory, all or nothing: {@code tokenizer.json} (Hugging Face's
 * schema: a BPE model with the ByteLevel pipeline GPT-2 and Llama 3 files use), {@code tokenizer.tiktoken}
 * (base64 of each token's bytes and its rank, one a line, special tokens left out as tiktoken expects)
 * and {@code summary.json}. The files are written into a temporary directory beside the target and
 * renamed into place at the end; a failure leaves the target as it was.
 */
public final class TrainedTokenizerWriter {
    private static final JsonFactory JSON = new JsonFactory();

    private TrainedTokenizerWriter() {}

    /** A fresh temporary directory beside {@code dir}, made now so that an unwritable place fails before training. */
    public static Path prepare(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) throw CortadoException.inFile(dir, "exists and is not a directory");
        Path parent = abs.getParent();
        try {
            Files.createDirectories(parent);
            Path tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".tmp-");
            try {  // a temp directory is private; the output is an ordinary one
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            return tmp;
        } catch (IOException e) {
            throw CortadoException.inFile(dir, "cannot create the output directory: " + e.getMessage());
        }
    }

    /** Writes the files into {@code tmp} (from {@link #prepare}) and moves it to {@code dir}, replacing what was there. */
    public static void commit(TrainedTokenizer t, TrainSummary s, Path tmp, Path dir) {
        try {
            writeFiles(t, s, tmp);
            Path abs = dir.toAbsolutePath().normalize();
            Path old = null;
            if (Files.isDirectory(abs)) {
                old = abs.resolveSibling("." + abs.getFileName() + ".old-" + System.nanoTime());
                Files.move(abs, old);
            }
            Files.move(tmp, abs);
            if (old != null) deleteTree(old);
        } catch (IOException e) {
            discard(tmp);
            throw CortadoException.inFile(dir, "cannot write: " + e.getMessage());
        } catch (RuntimeException e) {
            discard(tmp);
            throw e;
        }
    }

    /** Removes a temporary directory after a failure. */
    public static void discard(Path tmp) {
        try {
            deleteTree(tmp);
        } catch (IOException ignored) {
            // the target was never touched
        }
    }

    static void writeFiles(TrainedTokenizer t, TrainSummary s, Path dir) {
        AtomicFile.writeStream(dir.resolve("tokenizer.json"), out -> writeJson(out, g -> tokenizerJson(t, g)));
        AtomicFile.writeStream(dir.resolve("tokenizer.tiktoken"), out -> out.write(tiktoken(t)));
        AtomicFile.writeStream(dir.resolve("summary.json"), out -> writeJson(out, g -> summaryJson(s, g)));
    }

    /** The tokenizer.json tree (built from the bytes {@link #tokenizerJsonBytes} gives). */
    public static ObjectNode tokenizerJson(TrainedTokenizer t) {
        try {
            return (ObjectNode) new ObjectMapper().readTree(tokenizerJsonBytes(t));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Streams tokenizer.json. Written with jackson-core's generator rather than a databind tree: the
     * ObjectMapper's start-up alone is a tenth of a second of a one-second run on a small corpus.
     */
    private static void tokenizerJson(TrainedTokenizer t, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("version", "1.0");
        g.writeNullField("truncation");
        g.writeNullField("padding");
        g.writeArrayFieldStart("added_tokens");
        for (int k = 0; k < t.specialTokens().size(); k++) {
            g.writeStartObject();
            g.writeNumberField("id", t.specialId(k));
            g.writeStringField("content", t.specialTokens().get(k));
            g.writeBooleanField("single_word", false);
            g.writeBooleanField("lstrip", false);
            g.writeBooleanField("rstrip", false);
            g.writeBooleanField("normalized", false);
            g.writeBooleanField("special", true);
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNullField("normalizer");
        String split = t.pretokenizer().hfSplitRegex();
        g.writeFieldName("pre_tokenizer");
        if (split == null) {
            byteLevel(g, false, true, true);  // GPT-2's regex, built into ByteLevel
        } else {
            g.writeStartObject();
            g.writeStringField("type", "Sequence");
            g.writeArrayFieldStart("pretokenizers");
            g.writeStartObject();
            g.writeStringField("type", "Split");
            g.writeObjectFieldStart("pattern");
            g.writeStringField("Regex", split);
            g.writeEndObject();
            g.writeStringField("behavior", "Isolated");
            g.writeBooleanField("invert", false);
            g.writeEndObject();
            byteLevel(g, false, true, false);
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeFieldName("post_processor");
        byteLevel(g, true, false, true);
        g.writeFieldName("decoder");
        byteLevel(g, true, true, true);
        g.writeObjectFieldStart("model");
        g.writeStringField("type", "BPE");
        g.writeNullField("dropout");
        g.writeNullField("unk_token");
        g.writeNullField("continuing_subword_prefix");
        g.writeNullField("end_of_word_suffix");
        g.writeBooleanField("fuse_unk", false);
        g.writeBooleanField("byte_fallback", false);
        g.writeBooleanField("ignore_merges", false);
        g.writeObjectFieldStart("vocab");
        String[] text = new String[t.tokenBytes().length];
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        for (int id = 0; id < text.length; id++) {
            text[id] = ByteLevel.encode(t.tokenBytes()[id]);
            seen.put(text[id], id);
        }
        // a JSON object keeps one value per key: the last id of a repeated token text, in first-seen order
        java.util.Set<String> written = new java.util.HashSet<>();
        for (String s : text) {
            if (written.add(s)) g.writeNumberField(s, seen.get(s));
        }
        g.writeEndObject();
        g.writeArrayFieldStart("merges");
        for (int[] mg : t.merges()) g.writeString(text[mg[0]] + " " + text[mg[1]]);
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void byteLevel(JsonGenerator g, boolean addPrefixSpace, boolean trimOffsets, boolean useRegex)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "ByteLevel");
        g.writeBooleanField("add_prefix_space", addPrefixSpace);
        g.writeBooleanField("trim_offsets", trimOffsets);
        g.writeBooleanField("use_regex", useRegex);
        g.writeEndObject();
    }

    /** The .tiktoken rank file: base64(bytes) and rank, one token a line, in rank order. */
    public static byte[] tiktoken(TrainedTokenizer t) {
        StringBuilder sb = new StringBuilder(t.tokenBytes().length * 12);
        Base64.Encoder b64 = Base64.getEncoder();
        for (int id = 0; id < t.tokenBytes().length; id++)
            sb.append(b64.encodeToString(t.tokenBytes()[id])).append(' ').append(id).append('\n');
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void summaryJson(TrainSummary s, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("vocab_size", s.vocabSize());
        g.writeNumberField("merges", s.merges());
        g.writeNumberField("special_tokens", s.specialTokens());
        g.writeStringField("pattern", s.pattern());
        g.writeNumberField("files", s.files());
        g.writeNumberField("documents", s.documents());
        g.writeNumberField("input_bytes", s.inputBytes());
        g.writeNumberField("training_bytes", s.trainingBytes());
        g.writeNumberField("words", s.pieces());
        g.writeNumberField("distinct_words", s.distinctPieces());
        g.writeNumberField("invalid_utf8_bytes", s.invalidUtf8Bytes());
        g.writeObjectFieldStart("pruned");
        g.writeNumberField("distinct_words", s.prunedPieces());
        g.writeNumberField("occurrences", s.prunedOccurrences());
        g.writeNumberField("below_count", s.pruneMinCount());
        g.writeEndObject();
        g.writeObjectFieldStart("held_out");
        g.writeNumberField("bytes", s.heldOutBytes());
        g.writeNumberField("tokens", s.heldOutTokens());
        if (Double.isNaN(s.heldOutBytesPerToken())) g.writeNullField("bytes_per_token");
        else g.writeNumberField("bytes_per_token", Double.parseDouble(String.format(Locale.ROOT, "%.4f", s.heldOutBytesPerToken())));
        g.writeEndObject();
        g.writeObjectFieldStart("seconds");
        g.writeNumberField("counting", round(s.countSeconds()));
        g.writeNumberField("merging", round(s.mergeSeconds()));
        g.writeNumberField("total", round(s.totalSeconds()));
        g.writeEndObject();
        g.writeNumberField("peak_rss_bytes", s.peakRssBytes());
        g.writeNumberField("threads", s.threads());
        g.writeEndObject();
    }

    private static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }

    /** What writes one JSON document. */
    private interface JsonBody {
        void write(JsonGenerator g) throws IOException;
    }

    private static void writeJson(java.io.OutputStream out, JsonBody body) throws IOException {
        JsonGenerator g = JSON.createGenerator(out);
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        g.useDefaultPrettyPrinter();
        body.write(g);
        g.flush();
        out.write('\n');
    }

    /** The bytes of tokenizer.json exactly as {@link #commit} writes them, for writers to other file systems. */
    public static byte[] tokenizerJsonBytes(TrainedTokenizer t) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            writeJson(out, g -> tokenizerJson(t, g));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
