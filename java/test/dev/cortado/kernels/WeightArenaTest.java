package dev.cortado.kernels;

import org.bytedeco.javacpp.BytePointer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link WeightArena}: aligned, zeroed, bounded slices; sizes that cannot be mapped give null, not a crash. */
class WeightArenaTest {
    @Test
    void slicesAreAlignedZeroedAndDisjoint() {
        long a = 1000, b = 3 * 1024 * 1024 + 5;  // the second spans two huge pages
        try (WeightArena arena = WeightArena.tryAllocate(WeightArena.slot(a) + WeightArena.slot(b))) {
            assertNotNull(arena);
            BytePointer p = arena.slice(a), q = arena.slice(b);
            assertEquals(0, p.address() % (2 << 20), "the arena starts on a 2 MiB boundary");
            assertEquals(0, q.address() % 64);
            assertEquals(WeightArena.slot(a), q.address() - p.address());
            assertEquals(a, p.capacity());
            assertEquals(b, q.capacity());
            assertEquals(0, q.get(b - 1));
            for (long i = 0; i < a; i++) p.put(i, (byte) 7);
            q.put(0, (byte) 9);
            assertEquals(7, p.get(a - 1));
            assertEquals(9, q.get(0));
            assertEquals(arena.size(), arena.used());
            assertThrows(IllegalStateException.class, () -> arena.slice(1), "a full arena refuses more");
        }
    }

    @Test
    void unmappableSizesGiveNull() {
        assertNull(WeightArena.tryAllocate(0));
        assertNull(WeightArena.tryAllocate(Long.MAX_VALUE / 2), "more than the address space: null, the caller allocates per tensor");
    }

    @Test
    void closedArenaRefusesSlices() {
        WeightArena arena = WeightArena.tryAllocate(128);
        assertNotNull(arena);
        arena.close();
        arena.close();  // twice is harmless
        assertThrows(IllegalStateException.class, () -> arena.slice(64));
    }
}
