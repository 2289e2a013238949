package dev.cortado.tokenizer.train;

import dev.cortado.tokenizer.ByteLevel;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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
        writeJson(dir.resolve("tokenizer.json"), tokenizerJson(t));
        AtomicFile.writeStream(dir.resolve("tokenizer.tiktoken"), out -> out.write(tiktoken(t)));
        writeJson(dir.resolve("summary.json"), summaryJson(s));
    }

    /** The tokenizer.json tree. */
    public static ObjectNode tokenizerJson(TrainedTokenizer t) {
        ObjectNode root = F.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int k = 0; k < t.specialTokens().size(); k++) {
            added.addObject().put("id", t.specialId(k)).put("content", t.specialTokens().get(k))
                    .put("single_word", false).put("lstrip", false).put("rstrip", false)
                    .put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        String split = t.pretokenizer().hfSplitRegex();
        if (split == null) {
            root.set("pre_tokenizer", byteLevel(false, true, true));  // GPT-2's regex, built into ByteLevel
        } else {
            ObjectNode seq = root.putObject("pre_tokenizer").put("type", "Sequence");
            ArrayNode list = seq.putArray("pretokenizers");
            ObjectNode sp = list.addObject().put("type", "Split");
            sp.putObject("pattern").put("Regex", split);
            sp.put("behavior", "Isolated").put("invert", false);
            list.add(byteLevel(false, true, false));
        }
        root.set("post_processor", byteLevel(true, false, true));
        root.set("decoder", byteLevel(true, true, true));
        ObjectNode m = root.putObject("model").put("type", "BPE");
        m.putNull("dropout");
        m.putNull("unk_token");
        m.putNull("continuing_subword_prefix");
        m.putNull("end_of_word_suffix");
        m.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode vocab = m.putObject("vocab");
        String[] text = new String[t.tokenBytes().length];
        for (int id = 0; id < text.length; id++) {
            text[id] = ByteLevel.encode(t.tokenBytes()[id]);
            vocab.put(text[id], id);
        }
        ArrayNode merges = m.putArray("merges");
        for (int[] mg : t.merges()) merges.add(text[mg[0]] + " " + text[mg[1]]);
        return root;
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) {
        return F.objectNode().put("type", "ByteLevel").put("add_prefix_space", addPrefixSpace)
                .put("trim_offsets", trimOffsets).put("use_regex", useRegex);
    }

    /** The .tiktoken rank file: base64(bytes) and rank, one token a line, in rank order. */
    public static byte[] tiktoken(TrainedTokenizer t) {
        StringBuilder sb = new StringBuilder(t.tokenBytes().length * 12);
        Base64.Encoder b64 = Base64.getEncoder();
        for (int id = 0; id < t.tokenBytes().length; id++)
            sb.append(b64.encodeToString(t.tokenBytes()[id])).append(' ').append(id).append('\n');
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static ObjectNode summaryJson(TrainSummary s) {
        ObjectNode o = F.objectNode();
        o.put("vocab_size", s.vocabSize()).put("merges", s.merges()).put("special_tokens", s.specialTokens())
                .put("pattern", s.pattern()).put("files", s.files()).put("documents", s.documents())
                .put("input_bytes", s.inputBytes()).put("training_bytes", s.trainingBytes())
                .put("words", s.pieces()).put("distinct_words", s.distinctPieces())
                .put("invalid_utf8_bytes", s.invalidUtf8Bytes());
        ObjectNode pr = o.putObject("pruned");
        pr.put("distinct_words", s.prunedPieces()).put("occurrences", s.prunedOccurrences())
                .put("below_count", s.pruneMinCount());
        ObjectNode h = o.putObject("held_out");
        h.put("bytes", s.heldOutBytes()).put("tokens", s.heldOutTokens());
        if (Double.isNaN(s.heldOutBytesPerToken())) h.putNull("bytes_per_token");
        else h.put("bytes_per_token", Double.parseDouble(String.format(Locale.ROOT, "%.4f", s.heldOutBytesPerToken())));
        ObjectNode tm = o.putObject("seconds");
        tm.put("counting", round(s.countSeconds())).put("merging", round(s.mergeSeconds())).put("total", round(s.totalSeconds()));
        o.put("peak_rss_bytes", s.peakRssBytes()).put("threads", s.threads());
        return o;
    }

    private static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }

    private static void writeJson(Path p, ObjectNode node) {
        AtomicFile.writeStream(p, out -> writeJson(out, node));
    }

    private static void writeJson(java.io.OutputStream out, ObjectNode node) throws IOException {
        JsonGenerator g = MAPPER.getFactory().createGenerator(out);
        g.useDefaultPrettyPrinter();
        MAPPER.writeTree(g, node);
        g.flush();
        out.write('\n');
    }

    /** The bytes of tokenizer.json exactly as {@link #commit} writes them, for writers to other file systems. */
    public static byte[] tokenizerJsonBytes(TrainedTokenizer t) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            writeJson(out, tokenizerJson(t));
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
