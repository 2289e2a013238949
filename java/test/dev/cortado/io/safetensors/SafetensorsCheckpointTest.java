package dev.cortado.io.safetensors;

import dev.cortado.CortadoException;
import dev.cortado.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void opensAFileOrADirectoryWithModelSafetensors() {
        Path file = TestFiles.sharedFile(SafetensorsTestFiles.TINY);
        try (SafetensorsCheckpoint byDir = SafetensorsCheckpoint.open(file.getParent());
             SafetensorsFile direct = SafetensorsFile.open(file)) {
            assertEquals(List.of(file.getParent().resolve("model.safetensors")), byDir.files());
            assertEquals("pt", byDir.metadata().get("format"));
            SafetensorsTestFiles.assertSameTensors(direct.tensors(), byDir.tensors());
            assertNotNull(byDir.tensor("model.norm.weight"));
            assertNull(byDir.tensor("nope"));
        }
    }

    @Test
    void shardedCheckpointEqualsTheSingleFile() throws IOException {
        Path file = TestFiles.sharedFile(SafetensorsTestFiles.TINY);
        Path dir = Files.createDirectory(tmp.resolve("sharded"));
        try (SafetensorsFile single = SafetensorsFile.open(file)) {
            SafetensorsTestFiles.writeSharded(dir, single.metadata(), single.tensors(), 3);
            try (SafetensorsCheckpoint sharded = SafetensorsCheckpoint.open(dir)) {
                assertEquals(3, sharded.files().size());
                assertTrue(sharded.files().get(0).getFileName().toString().startsWith("model-00001-of-00003"));
                assertEquals(single.metadata(), sharded.metadata());
                SafetensorsTestFiles.assertSameTensors(single.tensors(), sharded.tensors());
                for (var t : single.tensors()) assertNotNull(sharded.tensor(t.name()), t.name());
            }
            // the index file itself may be given
            try (SafetensorsCheckpoint byIndex = SafetensorsCheckpoint.open(dir.resolve(SafetensorsCheckpoint.INDEX))) {
                SafetensorsTestFiles.assertSameTensors(single.tensors(), byIndex.tensors());
            }
        }
    }

    @Test
    void shardedMixedTypes() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("mixed"));
        var ts = SafetensorsTestFiles.mixedTensors();
        SafetensorsTestFiles.writeSharded(dir, Map.of(), ts, 2);
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertEquals(2, c.files().size());
            SafetensorsTestFiles.assertSameTensors(ts, c.tensors());
        }
    }

    private static String failure(Path p) {
        CortadoException e = assertThrows(CortadoException.class, () -> SafetensorsCheckpoint.open(p).close());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void directoryWithNeitherFileIsAClearError() {
        String m = failure(tmp);
        assertTrue(m.startsWith(tmp + ": no model.safetensors or model.safetensors.index.json"), m);
    }

    @Test
    void missingShardIsNamed() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("s"));
        SafetensorsTestFiles.writeSharded(dir, Map.of(), SafetensorsTestFiles.mixedTensors(), 3);
        Files.delete(dir.resolve("model-00002-of-00003.safetensors"));
        String m = failure(dir);
        assertTrue(m.startsWith(dir.resolve(SafetensorsCheckpoint.INDEX) + ": shard \"model-00002-of-00003.safetensors\""), m);
        assertTrue(m.contains("missing"), m);
    }

    @Test
    void tensorMustBeInTheShardTheWeightMapNames() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("s"));
        SafetensorsTestFiles.writeSharded(dir, Map.of(), SafetensorsTestFiles.mixedTensors(), 2);
        Path index = dir.resolve(SafetensorsCheckpoint.INDEX);
        String json = Files.readString(index);
        // "a" lives in shard 1; claim it is in shard 2
        Files.writeString(index, json.replaceFirst("\"a\" : \"model-00001-of-00002.safetensors\"", "\"a\" : \"model-00002-of-00002.safetensors\""));
        String m = failure(dir);
        assertTrue(m.contains("tensor \"a\" is not in shard \"model-00002-of-00002.safetensors\""), m);
    }

    @Test
    void rejectsBadIndexes() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("s"));
        Path index = dir.resolve(SafetensorsCheckpoint.INDEX);
        Files.writeString(index, "{\"weight_map\": {\"a\": \"model-1.safetensors\"");
        assertTrue(failure(dir).contains("index is not valid JSON"));
        Files.writeString(index, "{\"metadata\": {}}");
        assertTrue(failure(dir).contains("no weight_map"));
        Files.writeString(index, "{\"weight_map\": {}}");
        assertTrue(failure(dir).contains("weight_map is empty"));
        Files.writeString(index, "{\"weight_map\": {\"a\": 3}}");
        assertTrue(failure(dir).contains("not a shard file name"));
        Files.writeString(index, "{\"weight_map\": {\"a\": \"../../etc/passwd\"}}");
        assertTrue(failure(dir).contains("outside the checkpoint's directory"));
        Files.writeString(index, "{\"weight_map\": {\"a\": \"x\\u0000y\"}}");
        assertTrue(failure(dir).contains("shard"));
    }
}
