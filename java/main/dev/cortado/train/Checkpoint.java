package dev.cortado.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cortado.CortadoException;
import dev.cortado.io.AtomicFile;
import dev.cortado.io.safetensors.SafetensorsFile;
import dev.cortado.io.safetensors.SafetensorsWriter;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.FloatPointer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * A training checkpoint: a directory {@code checkpoint-N/} holding the parameters
 * ({@code parameters.safetensors}), AdamW's moments ({@code optimizer.safetensors}), the run's state
 * and options ({@code state.json}), the log so far ({@code train_log.jsonl}) and, written last, a
 * {@code manifest.json} with every file's size and CRC-32C.
 *
 * <p>Saving is crash-safe: everything goes into {@code checkpoint-N.tmp/}, is fsync'd, the directory is
 * renamed to {@code checkpoint-N/}, and only then is the {@code latest} pointer file replaced
 * atomically. A {@code kill -9} at any moment leaves {@code latest} naming a whole checkpoint; a
 * damaged one (no manifest, wrong size or checksum) is reported in one line when loaded.
 */
public final class Checkpoint {
    public static final String LATEST = "latest";
    static final String PARAMS = "parameters.safetensors", OPTIMIZER = "optimizer.safetensors", STATE = "state.json",
            LOG = "train_log.jsonl", MANIFEST = "manifest.json";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");

    private Checkpoint() {}

    /**
     * What a run needs besides the tensors to go on exactly: the completed optimizer steps, the data
     * position, AdamW's step counter, the time spent, the batch shape, the options, the caller's
     * own facts ({@code extra}: e.g. the LoRA rank and targets) and the log.
     */
    public record State(int step, DataStream.Position position, long adamStep, double elapsedSeconds, int batchRows,
                        int seqLen, TrainOptions options, Map<String, String> extra, List<LogEntry> log) {}

    /** Saves a checkpoint of step {@code state.step()} under {@code dir}, keeps the newest {@code keep}. Returns its directory. */
    public static Path save(Path dir, State state, List<Parameter> params, AdamW adam, int keep) {
        String name = "checkpoint-" + state.step();
        Path tmp = dir.resolve(name + ".tmp"), done = dir.resolve(name);
        try {
            Files.createDirectories(dir);
            deleteTree(tmp);
            Files.createDirectories(tmp);
            List<Tensor> values = new ArrayList<>(), moments = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                Parameter p = params.get(i);
                values.add(tensor(p.name(), p.shape(), p.value(), p.size()));
                moments.add(tensor(p.name() + ".adam_m", p.shape(), adam.m(i), p.size()));
                moments.add(tensor(p.name() + ".adam_v", p.shape(), adam.v(i), p.size()));
            }
            SafetensorsWriter.write(tmp.resolve(PARAMS), Map.of("format", "cortado-checkpoint"), values);
            SafetensorsWriter.write(tmp.resolve(OPTIMIZER), Map.of("format", "cortado-checkpoint"), moments);
            byte[] stateJson = stateJson(state).toPrettyString().getBytes(StandardCharsets.UTF_8);
            AtomicFile.writeStream(tmp.resolve(STATE), os -> os.write(stateJson));
            TrainLog.write(tmp.resolve(LOG), state.log());
            ObjectNode manifest = TrainJson.MAPPER.createObjectNode();
            manifest.put("format", "cortado-checkpoint").put("version", 1).put("step", state.step());
            ArrayNode files = manifest.putArray("files");
            for (String f : List.of(PARAMS, OPTIMIZER, STATE, LOG)) {
                Path p = tmp.resolve(f);
                files.addObject().put("name", f).put("size", Files.size(p)).put("crc32c", crc(p));
            }
            byte[] m = manifest.toPrettyString().getBytes(StandardCharsets.UTF_8);
            AtomicFile.writeStream(tmp.resolve(MANIFEST), os -> os.write(m));
            fsyncDir(tmp);
            if (Files.exists(done)) deleteTree(done);  // the same step saved again (a stop right after a resume)
            move(tmp, done);
            fsyncDir(dir);
            byte[] pointer = (name + "\n").getBytes(StandardCharsets.UTF_8);
            AtomicFile.writeStream(dir.resolve(LATEST), os -> os.write(pointer));
            fsyncDir(dir);
            prune(dir, keep, state.step());
            return done;
        } catch (IOException e) {
            throw CortadoException.inFile(tmp, "cannot write the checkpoint: " + e.getMessage());
        }
    }

    /**
     * The checkpoint a {@code --resume} argument means: a checkpoint directory itself, a checkpoints
     * directory (its {@code latest}, else its newest complete checkpoint), or a run's output directory
     * (its {@code checkpoints/}).
     */
    public static Path resolve(Path given) {
        if (!Files.isDirectory(given)) throw CortadoException.inFile(given, "no such checkpoint directory");
        if (Files.exists(given.resolve(STATE)) || Files.exists(given.resolve(PARAMS))
                || NAME.matcher(given.getFileName().toString()).matches()) {
            return given;
        }
        Path dir = Files.isDirectory(given.resolve("checkpoints")) && !Files.exists(given.resolve(LATEST)) ? given.resolve("checkpoints") : given;
        Path latest = dir.resolve(LATEST);
        if (Files.exists(latest)) {
            try {
                String name = Files.readString(latest, StandardCharsets.UTF_8).trim();
                if (!NAME.matcher(name).matches()) throw CortadoException.inFile(latest, "does not name a checkpoint-N directory");
                return dir.resolve(name);
            } catch (IOException e) {
                throw CortadoException.inFile(latest, "cannot read: " + e.getMessage());
            }
        }
        List<Path> all = list(dir);
        if (all.isEmpty()) throw CortadoException.inFile(given, "holds no checkpoint (no checkpoint-N directory or latest file)");
        return all.get(all.size() - 1);
    }

    /** Reads and verifies a checkpoint's state (the manifest first: a torn checkpoint fails here). */
    public static State load(Path ckpt) {
        verify(ckpt);
        JsonNode s = readJson(ckpt.resolve(STATE));
        Map<String, String> extra = new LinkedHashMap<>();
        s.path("extra").fields().forEachRemaining(e -> extra.put(e.getKey(), e.getValue().asText()));
        return new State(s.path("step").asInt(), new DataStream.Position(s.path("epoch").asInt(), s.path("index").asInt()),
                s.path("adam_step").asLong(), s.path("elapsed_s").asDouble(), s.path("batch_rows").asInt(),
                s.path("seq_len").asInt(), TrainOptions.fromJson(s.path("options")), extra,
                TrainLog.read(ckpt.resolve(LOG)));
    }

    /** Copies the checkpoint's parameters and AdamW moments into place (names and shapes must match). */
    public static void restore(Path ckpt, List<Parameter> params, AdamW adam, long adamStep) {
        try (SafetensorsFile values = SafetensorsFile.open(ckpt.resolve(PARAMS));
             SafetensorsFile moments = SafetensorsFile.open(ckpt.resolve(OPTIMIZER))) {
            if (values.tensors().size() != params.size()) {
                throw CortadoException.inFile(ckpt, "holds " + values.tensors().size() + " parameters but the model trains " + params.size()
                        + " (another --rank, --targets or model?)");
            }
            for (int i = 0; i < params.size(); i++) {
                Parameter p = params.get(i);
                fill(ckpt, values, p.name(), p, p.value());
                fill(ckpt, moments, p.name() + ".adam_m", p, adam.m(i));
                fill(ckpt, moments, p.name() + ".adam_v", p, adam.v(i));
            }
        }
        adam.setStep(adamStep);
    }

    private static void fill(Path ckpt, SafetensorsFile f, String name, Parameter p, FloatPointer dst) {
        Tensor t = f.tensors().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow(() ->
                CortadoException.inFile(ckpt, "has no tensor " + name + " (another --rank, --targets or model?)"));
        if (!Arrays.equals(t.shape(), p.shape()) || t.type() != TensorType.F32) {
            throw CortadoException.inFile(ckpt, "tensor " + name + " is " + t.type() + " " + Arrays.toString(t.shape())
                    + " but the model's is F32 " + Arrays.toString(p.shape()));
        }
        dst.position(0).put(t.toFloats());
    }

    private static Tensor tensor(String name, long[] shape, FloatPointer p, long n) {
        if (n > Integer.MAX_VALUE - 8) throw new CortadoException(name + ": parameters of over 2^31 values cannot be checkpointed yet");
        float[] a = new float[(int) n];
        p.position(0).get(a);
        return Tensor.ofFloats(name, TensorType.F32, shape, a);
    }

    private static ObjectNode stateJson(State s) {
        ObjectNode o = TrainJson.MAPPER.createObjectNode();
        o.put("format", "cortado-checkpoint").put("step", s.step()).put("epoch", s.position().epoch())
                .put("index", s.position().index()).put("adam_step", s.adamStep()).put("elapsed_s", s.elapsedSeconds())
                .put("batch_rows", s.batchRows()).put("seq_len", s.seqLen());
        o.set("options", s.options().toJson());
        ObjectNode extra = o.putObject("extra");
        s.extra().forEach(extra::put);
        return o;
    }

    /** Checks that the manifest exists and every file has its recorded size and CRC-32C. */
    public static void verify(Path ckpt) {
        Path mf = ckpt.resolve(MANIFEST);
        if (!Files.isDirectory(ckpt)) throw CortadoException.inFile(ckpt, "no such checkpoint directory");
        if (!Files.exists(mf)) throw CortadoException.inFile(ckpt, "incomplete checkpoint: it has no " + MANIFEST + " (the save was cut off)");
        JsonNode m = readJson(mf);
        JsonNode files = m.path("files");
        if (!files.isArray() || files.isEmpty()) throw CortadoException.inFile(mf, "lists no files");
        for (JsonNode f : files) {
            String name = f.path("name").asText();
            Path p = ckpt.resolve(name).normalize();
            if (name.isEmpty() || !p.getParent().equals(ckpt.normalize())) throw CortadoException.inFile(mf, "names a bad file " + name);
            if (!Files.exists(p)) throw CortadoException.inFile(ckpt, "torn checkpoint: " + name + " is missing");
            try {
                long size = Files.size(p);
                if (size != f.path("size").asLong()) {
                    throw CortadoException.inFile(ckpt, "torn checkpoint: " + name + " has " + size + " bytes, the manifest says " + f.path("size").asLong());
                }
                if (!crc(p).equals(f.path("crc32c").asText())) {
                    throw CortadoException.inFile(ckpt, "torn checkpoint: " + name + " does not match its checksum in the manifest");
                }
            } catch (IOException e) {
                throw CortadoException.inFile(p, "cannot read: " + e.getMessage());
            }
        }
    }

    private static JsonNode readJson(Path p) {
        try {
            return TrainJson.MAPPER.readTree(Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw CortadoException.inFile(p, "is not readable JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static String crc(Path p) throws IOException {
        CRC32C c = new CRC32C();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0; ) c.update(buf, 0, n);
        }
        return String.format("%08x", c.getValue());
    }

    /** Complete checkpoint directories under {@code dir}, oldest first. */
    static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) if (NAME.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p)) out.add(p);
        } catch (IOException e) {
            throw CortadoException.inFile(dir, "cannot list: " + e.getMessage());
        }
        out.sort(Comparator.comparingLong(Checkpoint::stepOf));
        return out;
    }

    static long stepOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static void prune(Path dir, int keep, int current) throws IOException {
        List<Path> all = list(dir);
        for (int i = 0; i < all.size() - keep; i++) {
            if (stepOf(all.get(i)) != current) deleteTree(all.get(i));
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "checkpoint-*.tmp")) {
            for (Path p : ds) deleteTree(p);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // some platforms cannot open a directory; the renames are still ordered on Linux filesystems
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
