package dev.cortado.model;

import dev.cortado.CortadoException;
import dev.cortado.io.MappedFile;
import dev.cortado.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds converted tensors on disk instead of the heap while a model is being written: each tensor is
 * appended to a temporary file next to the output, which is then mapped, so converting a model
 * needs memory for one tensor at a time, not for the whole model.
 */
public final class ScratchFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final List<Object[]> pending = new ArrayList<>();  // {name, type, shape, offset}
    private MappedFile mapped;

    public ScratchFile(Path nextTo) {
        Path dir = nextTo.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            path = Files.createTempFile(dir, "." + nextTo.getFileName() + ".", ".scratch");
            channel = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.READ);
        } catch (IOException e) {
            throw CortadoException.inFile(dir, "cannot create a scratch file: " + e.getMessage());
        }
    }

    /** Appends the tensor's bytes; returns its index for {@link #tensors()}. */
    public int add(Tensor t) {
        try {
            long offset = channel.size();
            long done = 0;
            while (done < t.byteSize()) {
                int n = (int) Math.min(1 << 26, t.byteSize() - done);
                ByteBuffer b = t.bytes(done, n);
                while (b.hasRemaining()) channel.write(b, offset + done + b.position());
                done += n;
            }
            pending.add(new Object[] {t.name(), t.type(), t.shape(), offset});
            return pending.size() - 1;
        } catch (IOException e) {
            throw CortadoException.inFile(path, "cannot write scratch data: " + e.getMessage());
        }
    }

    /** Maps the scratch file and returns the tensors added, in order, as zero-copy views. */
    public List<Tensor> tensors() {
        try {
            channel.force(false);
        } catch (IOException e) {
            throw CortadoException.inFile(path, "cannot flush scratch data: " + e.getMessage());
        }
        mapped = MappedFile.open(path);
        List<Tensor> out = new ArrayList<>();
        for (Object[] p : pending) {
            out.add(Tensor.mapped((String) p[0], (dev.cortado.tensor.TensorType) p[1], (long[]) p[2], mapped, (Long) p[3]));
        }
        return out;
    }

    @Override
    public void close() {
        if (mapped != null) mapped.close();
        try {
            channel.close();
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a stale scratch file is harmless; it starts with a dot next to the output
        }
    }
}
