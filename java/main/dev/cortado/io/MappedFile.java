package dev.cortado.io;

import dev.cortado.CortadoException;
import dev.cortado.kernels.CpuKernels;
import dev.cortado.kernels.Kernels;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A whole file mapped read-only into memory with the native {@code mmap} (JDK 17's
 * {@code FileChannel.map} stops at 2 GiB; this does not). Zero copy: {@link #slice} hands out
 * direct little-endian {@link ByteBuffer} views for Java parsing, {@link #address} gives kernels the
 * raw pointer. Views must not be used after {@link #close()}.
 */
public final class MappedFile implements AutoCloseable {
    private final Path path;
    private final long size;
    private Pointer base;  // null for an empty file

    private MappedFile(Path path, Pointer base, long size) {
        this.path = path;
        this.base = base;
        this.size = size;
    }

    /** Maps {@code path}; a missing or unreadable file gives a one-line {@link CortadoException}. */
    public static MappedFile open(Path path) {
        if (!Files.exists(path)) throw CortadoException.inFile(path, "no such file");
        if (Files.isDirectory(path)) throw CortadoException.inFile(path, "is a directory, not a file");
        if (!Files.isReadable(path)) throw CortadoException.inFile(path, "permission denied");
        Kernels.load();
        long[] size = new long[1];
        int[] err = new int[1];
        Pointer p = CpuKernels.cortado_mmap_file(path.toString(), size, err);
        if ((p == null || p.isNull()) && err[0] != 0) {
            throw CortadoException.inFile(path, "cannot map the file (errno " + err[0] + ")");
        }
        return new MappedFile(path, p == null || p.isNull() ? null : p, size[0]);
    }

    public Path path() {
        return path;
    }

    public long size() {
        return size;
    }

    /** The native address of byte {@code offset} (checked to lie inside the file). */
    public long address(long offset) {
        Kernels.checkRange(path.toString(), offset, 0, size);
        ensureOpen();
        return base == null ? 0 : base.address() + offset;
    }

    /** A pointer to {@code length} bytes at {@code offset} (position 0, capacity {@code length}). */
    public BytePointer pointer(long offset, long length) {
        Kernels.checkRange(path.toString(), offset, length, size);
        ensureOpen();
        return new View(base == null ? 0 : base.address() + offset, length);
    }

    /** A little-endian view of {@code length} bytes (at most 2^31 - 1) at {@code offset}, index 0 at {@code offset}. */
    public ByteBuffer slice(long offset, long length) {
        if (length > Integer.MAX_VALUE) throw new IllegalArgumentException("slice over 2 GiB: " + length);
        Kernels.checkRange(path.toString(), offset, length, size);
        if (length == 0) return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        ensureOpen();
        // A pointer starting at the slice itself: JavaCPP's asByteBuffer() counts positions in int,
        // so a view positioned past 2 GiB inside the whole mapping would overflow.
        return new View(base.address() + offset, length).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A pointer over part of the mapping; it does not own (or free) the memory. */
    private static final class View extends BytePointer {
        View(long address, long length) {
            this.address = address;
            this.capacity = length;
            this.limit = length;
        }
    }

    private void ensureOpen() {
        if (base == null && size > 0) throw new IllegalStateException(path + " is closed");
    }

    @Override
    public synchronized void close() {
        if (base != null) {
            CpuKernels.cortado_munmap(base, size);
            base = null;
        }
    }
}
