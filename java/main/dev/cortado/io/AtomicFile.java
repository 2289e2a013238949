package dev.cortado.io;

import dev.cortado.CortadoException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that a failure never leaves a half-written output: the bytes go to
 * {@code name.tmp} in the same directory, are fsync'd, and the temp file is renamed over the target.
 * On any failure the temp file is deleted and the target is untouched.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /** What writes the content; it receives a channel positioned at 0. */
    @FunctionalInterface
    public interface Body {
        void write(FileChannel channel) throws IOException;
    }

    public static void write(Path target, Body body) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw CortadoException.inFile(target, "cannot write: " + e.getMessage());
        } catch (RuntimeException | Error e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    /** Same, for content produced as a stream. */
    public static void writeStream(Path target, StreamBody body) {
        write(target, ch -> {
            OutputStream out = Channels.newOutputStream(ch);
            body.write(out);
            out.flush();
        });
    }

    @FunctionalInterface
    public interface StreamBody {
        void write(OutputStream out) throws IOException;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // nothing more to do: the target was never touched
        }
    }
}
