package dev.cortado.train;

import org.bytedeco.javacpp.FloatPointer;

/**
 * One native f32 allocation carved into named buffers, each handed out as a {@link View} that knows
 * its own length (so the kernels' bounds checks see the buffer, not the whole arena). Sized by a
 * first pass that only counts ({@link #counting()}), then allocated once.
 */
final class Arena implements AutoCloseable {
    private final FloatPointer memory;  // null while counting
    private long used;

    private Arena(long floats) {
        memory = floats < 0 ? null : new FloatPointer(Math.max(1, floats));
    }

    static Arena counting() {
        return new Arena(-1);
    }

    static Arena of(long floats) {
        return new Arena(floats);
    }

    long used() {
        return used;
    }

    /** The next {@code n} floats (null while counting), aligned to 16 floats. */
    View take(long n) {
        long off = used;
        used += (n + 15) & ~15L;
        return memory == null ? null : new View(memory.address() + 4 * off, n);
    }

    @Override
    public void close() {
        if (memory != null) memory.close();
    }

    /** A window on memory owned elsewhere; {@link #set} re-points it without allocating. */
    static final class View extends FloatPointer {
        View(long address, long n) {
            at(address, n);
        }

        View() {
        }

        /** This view made to cover floats [off, off + n) of {@code base}. */
        View set(FloatPointer base, long off, long n) {
            return at(base.address() + 4 * (base.position() + off), n);
        }

        /** This view made to cover {@code n} floats at {@code address}. */
        View at(long address, long n) {
            this.address = address;
            this.position = 0;
            this.capacity = n;
            this.limit = n;
            return this;
        }
    }
}
