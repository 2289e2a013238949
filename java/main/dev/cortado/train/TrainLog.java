package dev.cortado.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.cortado.CortadoException;
import dev.cortado.io.AtomicFile;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code train_log.jsonl}: one JSON object per optimizer step, appended and flushed as each step
 * ends (a crash loses at most the line being written). A resumed run first rewrites the file from
 * the checkpoint's copy, dropping steps logged after that checkpoint.
 */
public final class TrainLog implements AutoCloseable {
    public static final String FILE = "train_log.jsonl";

    private final Path path;
    private final List<LogEntry> entries;
    private BufferedWriter out;

    /** Starts the log at {@code path} with {@code initial} entries (empty for a fresh run). */
    public TrainLog(Path path, List<LogEntry> initial) {
        this.path = path;
        this.entries = new ArrayList<>(initial);
        write(path, entries);
        try {
            out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw CortadoException.inFile(path, "cannot open for appending: " + e.getMessage());
        }
    }

    public Path path() {
        return path;
    }

    public List<LogEntry> entries() {
        return List.copyOf(entries);
    }

    public void append(LogEntry e) {
        entries.add(e);
        try {
            out.write(e.toJsonLine());
            out.write('\n');
            out.flush();
        } catch (IOException ex) {
            throw CortadoException.inFile(path, "cannot write: " + ex.getMessage());
        }
    }

    /** Writes {@code entries} as a whole JSONL file, atomically. */
    public static void write(Path file, List<LogEntry> entries) {
        AtomicFile.writeStream(file, os -> {
            for (LogEntry e : entries) os.write((e.toJsonLine() + "\n").getBytes(StandardCharsets.UTF_8));
        });
    }

    /** Reads a JSONL log; a malformed line is reported with its number. */
    public static List<LogEntry> read(Path file) {
        List<LogEntry> list = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot read: " + e.getMessage());
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            try {
                list.add(LogEntry.fromJson(TrainJson.MAPPER.readTree(lines.get(i))));
            } catch (JsonProcessingException e) {
                throw CortadoException.inFile(file, "line " + (i + 1) + " is not JSON: " + e.getOriginalMessage());
            }
        }
        return list;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw CortadoException.inFile(path, "cannot close: " + e.getMessage());
        }
    }
}
