package dev.cortado.train;

import dev.cortado.CortadoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {
    private static Checkpoint.State state(int step) {
        return new Checkpoint.State(step, new DataStream.Position(1, 7), step, 12.5, 4, 12, TrainerTest.options(50),
                Map.of("rank", "8"), List.of(new LogEntry(1, 2.5, Double.NaN, 1e-3, 0.7, 0.1, 48, 1000, 0.2)));
    }

    @Test
    void roundTripsParametersMomentsAndState(@TempDir Path dir) {
        try (BigramModel a = new BigramModel(8, 2, 4, 1); BigramModel b = new BigramModel(8, 2, 4, 2);
             AdamW oa = new AdamW(a.parameters(), AdamW.Settings.DEFAULT); AdamW ob = new AdamW(b.parameters(), AdamW.Settings.DEFAULT)) {
            for (Parameter p : a.parameters()) for (long i = 0; i < p.size(); i++) p.grad().put(i, (float) Math.sin(i));
            oa.update(0.01f);
            Path ck = Checkpoint.save(dir, state(5), a.parameters(), oa, 2);
            assertEquals(ck, Checkpoint.resolve(dir));
            Checkpoint.State s = Checkpoint.load(ck);
            assertEquals(state(5).position(), s.position());
            assertEquals(state(5).options(), s.options());
            assertEquals(Map.of("rank", "8"), s.extra());
            assertEquals(state(5).log(), s.log());
            Checkpoint.restore(ck, b.parameters(), ob, s.adamStep());
            assertEquals(5, ob.step());
            for (int k = 0; k < 2; k++) {
                Parameter p = a.parameters().get(k), q = b.parameters().get(k);
                for (long i = 0; i < p.size(); i++) {
                    assertEquals(p.value().get(i), q.value().get(i));
                    assertEquals(oa.m(k).get(i), ob.m(k).get(i));
                    assertEquals(oa.v(k).get(i), ob.v(k).get(i));
                }
            }
        }
    }

    @Test
    void keepsTheNewestTwoAndPointsLatestAtTheLast(@TempDir Path dir) throws Exception {
        try (BigramModel a = new BigramModel(8, 2, 4, 1); AdamW o = new AdamW(a.parameters(), AdamW.Settings.DEFAULT)) {
            for (int s = 1; s <= 4; s++) Checkpoint.save(dir, state(s * 10), a.parameters(), o, 2);
            assertEquals(List.of(dir.resolve("checkpoint-30"), dir.resolve("checkpoint-40")), Checkpoint.list(dir));
            assertEquals("checkpoint-40", Files.readString(dir.resolve("latest")).trim());
            assertEquals(dir.resolve("checkpoint-40"), Checkpoint.resolve(dir.getParent().resolve(dir.getFileName())));
        }
    }

    @Test
    void aTornCheckpointIsReportedInOneLine(@TempDir Path dir) throws Exception {
        try (BigramModel a = new BigramModel(8, 2, 4, 1); AdamW o = new AdamW(a.parameters(), AdamW.Settings.DEFAULT)) {
            Path ck = Checkpoint.save(dir, state(3), a.parameters(), o, 2);
            try (FileChannel ch = FileChannel.open(ck.resolve(Checkpoint.OPTIMIZER), StandardOpenOption.WRITE)) {
                ch.truncate(ch.size() - 10);
            }
            CortadoException e = assertThrows(CortadoException.class, () -> Checkpoint.load(ck));
            assertTrue(e.getMessage().contains("torn checkpoint: optimizer.safetensors has"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));

            Path ck2 = Checkpoint.save(dir, state(4), a.parameters(), o, 2);
            byte[] b = Files.readAllBytes(ck2.resolve(Checkpoint.PARAMS));
            b[b.length - 1] ^= 1;
            Files.write(ck2.resolve(Checkpoint.PARAMS), b);
            e = assertThrows(CortadoException.class, () -> Checkpoint.load(ck2));
            assertTrue(e.getMessage().contains("does not match its checksum"), e.getMessage());

            Path ck3 = Checkpoint.save(dir, state(5), a.parameters(), o, 2);
            Files.delete(ck3.resolve("manifest.json"));  // as if killed before the manifest was written
            e = assertThrows(CortadoException.class, () -> Checkpoint.load(ck3));
            assertTrue(e.getMessage().contains("incomplete checkpoint"), e.getMessage());
        }
    }
}
