package dev.cortado.tokenizer.tiktoken;

import dev.cortado.CortadoException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * tiktoken encodings by name ({@code r50k_base}, {@code p50k_base}, {@code p50k_edit},
 * {@code cl100k_base}, {@code o200k_base}: rank files from JTokkit's jar, patterns and special tokens
 * as tiktoken defines them) or from {@code .tiktoken} rank files; and writing rank files.
 */
public final class Tiktoken {
    /** The names {@link #named} knows. */
    public static final List<String> NAMES = List.of("r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base");
    private static final String RESOURCE_DIR = "com/knuddels/jtokkit/";
    private static final Map<String, TiktokenTokenizer> CACHE = new ConcurrentHashMap<>();

    private Tiktoken() {}

    /** A named encoding (loaded once, then shared: instances are immutable). */
    public static TiktokenTokenizer named(String name) {
        if (!NAMES.contains(name))
            throw new CortadoException("unknown tiktoken encoding '" + name + "'; known: " + String.join(", ", NAMES));
        return CACHE.computeIfAbsent(name, n -> {
            String file = n.equals("p50k_edit") ? "p50k_base" : n;
            return new TiktokenTokenizer(n, patternOf(n), RankFile.readResource(RESOURCE_DIR + file + ".tiktoken"),
                    specialsOf(n), "resource " + file);
        });
    }

    /** The pattern of a named encoding. */
    public static TiktokenPattern patternOf(String name) {
        return switch (name) {
            case "r50k_base", "p50k_base", "p50k_edit" -> TiktokenPattern.R50K;
            case "cl100k_base" -> TiktokenPattern.CL100K;
            case "o200k_base" -> TiktokenPattern.O200K;
            default -> throw new CortadoException("unknown tiktoken encoding '" + name + "'; known: " + String.join(", ", NAMES));
        };
    }

    /** The special tokens of a named encoding, as tiktoken defines them. */
    public static Map<String, Integer> specialsOf(String name) {
        Map<String, Integer> m = new LinkedHashMap<>();
        switch (name) {
            case "r50k_base", "p50k_base" -> m.put("<|endoftext|>", 50256);
            case "p50k_edit" -> {
                m.put("<|endoftext|>", 50256);
                m.put("<|fim_prefix|>", 50281);
                m.put("<|fim_middle|>", 50282);
                m.put("<|fim_suffix|>", 50283);
            }
            case "cl100k_base" -> {
                m.put("<|endoftext|>", 100257);
                m.put("<|fim_prefix|>", 100258);
                m.put("<|fim_middle|>", 100259);
                m.put("<|fim_suffix|>", 100260);
                m.put("<|endofprompt|>", 100276);
            }
            case "o200k_base" -> {
                m.put("<|endoftext|>", 199999);
                m.put("<|endofprompt|>", 200018);
            }
            default -> throw new CortadoException("unknown tiktoken encoding '" + name + "'; known: " + String.join(", ", NAMES));
        }
        return m;
    }

    /**
     * A rank file named after a known encoding ({@code cl100k_base.tiktoken}, …), with that encoding's
     * pattern and special tokens. Other names need {@link #load(Path, TiktokenPattern, Map)}.
     */
    public static TiktokenTokenizer load(Path rankFile) {
        String file = rankFile.getFileName().toString();
        String stem = file.endsWith(".tiktoken") ? file.substring(0, file.length() - ".tiktoken".length()) : file;
        if (!NAMES.contains(stem))
            throw CortadoException.inFile(rankFile, "cannot tell the encoding from the file name (expected one of "
                    + String.join(", ", NAMES) + " + .tiktoken); give the pattern and special tokens");
        return load(rankFile, patternOf(stem), specialsOf(stem));
    }

    /** Any rank file with the given pattern and special tokens (text → id; ids must not be ranks). */
    public static TiktokenTokenizer load(Path rankFile, TiktokenPattern pattern, Map<String, Integer> specialTokens) {
        String file = rankFile.getFileName().toString();
        String name = file.endsWith(".tiktoken") ? file.substring(0, file.length() - ".tiktoken".length()) : file;
        return new TiktokenTokenizer(name, pattern, RankFile.read(rankFile), specialTokens, rankFile.toString());
    }

    /** Writes the encoding's ordinary tokens as a {@code .tiktoken} rank file (atomically). */
    public static void write(TiktokenTokenizer encoding, Path rankFile) {
        RankFile.write(encoding.ranksByteArrays(), rankFile);
    }

    /** Writes tokens by rank ({@code tokensByRank[r]} has rank r; null entries are skipped) as a rank file. */
    public static void write(byte[][] tokensByRank, Path rankFile) {
        RankFile.write(tokensByRank, rankFile);
    }
}
