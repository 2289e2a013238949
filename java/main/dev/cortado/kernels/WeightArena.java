package dev.cortado.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One block of zeroed native memory for weights that live as long as a model, on 2 MiB transparent
 * huge pages where the operating system gives them ({@code cortado_alloc_huge}), handed out in
 * 64-byte-aligned slices and freed all at once by {@link #close}.
 *
 * <p>Why: decoding streams every weight once per token. On 4 KB pages that is a TLB miss every 4 KB,
 * and under a hypervisor each miss walks two page tables; on this project's VM a plain read of 1 GiB
 * runs at 25-29 GB/s on 4 KB pages and 30-31 GB/s on 2 MiB pages, and a SmolLM2 token decodes 10-20%
 * faster from repacked weights in this arena than from the same bytes in per-tensor allocations (see
 * BENCHMARKS.md). Physical pages are taken as the slices are first written, as with any allocation.
 */
public final class WeightArena implements AutoCloseable {
    private static final long ALIGN = 64;

    private Pointer base;
    private final long size;
    private long used;

    private WeightArena(Pointer base, long size) {
        this.base = base;
        this.size = size;
    }

    /** The bytes a slice of {@code bytes} takes in an arena (its size rounded up to the alignment). */
    public static long slot(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative size " + bytes);
        return Math.addExact(bytes, ALIGN - 1) / ALIGN * ALIGN;
    }

    /**
     * An arena of {@code bytes} (the sum of its slices' {@link #slot}s), or null when the memory cannot
     * be mapped: callers then allocate each tensor on its own, as before.
     */
    public static WeightArena tryAllocate(long bytes) {
        if (bytes <= 0) return null;
        Kernels.load();
        int[] err = new int[1];
        Pointer p = CpuKernels.cortado_alloc_huge(bytes, err);
        if (p == null || p.isNull()) return null;
        return new WeightArena(p, bytes);
    }

    /** The next {@code bytes} of the arena (position 0, capacity {@code bytes}); it does not own the memory. */
    public synchronized BytePointer slice(long bytes) {
        long need = slot(bytes);
        if (base == null) throw new IllegalStateException("the weight arena is closed");
        if (need > size - used) {
            throw new IllegalStateException("weight arena of " + size + " bytes has " + (size - used) + " left, " + need + " asked");
        }
        BytePointer s = new Slice(base.address() + used, bytes);
        used += need;
        return s;
    }

    /** Bytes handed out so far (slots included). */
    public long used() {
        return used;
    }

    public long size() {
        return size;
    }

    /** Frees the whole arena: no slice may be used afterwards. */
    @Override
    public synchronized void close() {
        if (base != null) {
            CpuKernels.cortado_free_huge(base, size);
            base = null;
        }
    }

    /** A view of part of the arena (no deallocator: the arena frees it). */
    private static final class Slice extends BytePointer {
        Slice(long address, long length) {
            this.address = address;
            this.capacity = length;
            this.limit = length;
        }
    }
}
