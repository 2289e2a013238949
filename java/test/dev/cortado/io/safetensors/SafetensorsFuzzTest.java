package dev.cortado.io.safetensors;

import dev.cortado.CortadoException;
import dev.cortado.tensor.Codecs;
import dev.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Thousands of deterministic corruptions of a small safetensors file and of a sharded index: each
 * must either load (and then every tensor must be readable) or fail with a one-line
 * {@link CortadoException} naming the file. Anything else — another exception, a hang, an
 * out-of-memory — fails the test with the seed and mutation that caused it.
 */
class SafetensorsFuzzTest {
    private static final int VARIANTS = 6000;
    private static final String[] NUMBERS = {"0", "1", "-1", "2", "7", "8", "9", "4294967296", "2147483648", "9223372036854775807",
            "9223372036854775808", "-9223372036854775808", "18446744073709551615", "1e400", "1.5", "-0", "1e3", "null", "\"3\"", "[]",
            "{}", "true", "[1,2]", "99999999999999999999999999"};
    private static final String[] DTYPES = {"F32", "F16", "BF16", "F64", "I8", "I16", "I32", "I64", "U8", "U16", "U32", "U64", "BOOL",
            "F8_E4M3", "F8_E5M2", "Q4_K", "", "f32", "F32 ", "\\u0000"};
    private static final String EDIT_CHARS = "{}[]:,\"\\ 0a-e.\u0000\u00e9\n\t";
    private static final Pattern NUMBER = Pattern.compile("-?\\d+");
    private static final Pattern DTYPE = Pattern.compile("\"dtype\":\"[^\"]*\"");

    @TempDir
    Path tmp;

    private byte[] base;
    private int headerLen;
    private String json;
    private byte[] data;

    private void makeBase() throws IOException {
        Path p = tmp.resolve("base.safetensors");
        SafetensorsWriter.write(p, Map.of("format", "pt", "k", "v"), SafetensorsTestFiles.mixedTensors());
        base = Files.readAllBytes(p);
        headerLen = (int) ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        json = new String(base, 8, headerLen, StandardCharsets.UTF_8);
        data = Arrays.copyOfRange(base, 8 + headerLen, base.length);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void corruptFilesLoadOrFailCleanly() throws IOException {
        makeBase();
        Path f = tmp.resolve("fuzz.safetensors");
        Random r = new Random(20240601);
        int loaded = 0, failed = 0;
        for (int i = 0; i < VARIANTS; i++) {
            int kind = i % 8;
            byte[] v = variant(r, kind);
            overwrite(f, v);
            if (outcome(f, "variant " + i + " (kind " + kind + ")")) loaded++;
            else failed++;
        }
        // the mutations reach both outcomes, so the test exercises the validation and the happy path
        assertTrue(loaded > 50, "loaded " + loaded);
        assertTrue(failed > VARIANTS / 2, "failed " + failed);
    }

    private byte[] variant(Random r, int kind) {
        return switch (kind) {
            case 0, 1 -> flipHeaderBytes(r);
            case 2 -> overwriteLength(r);
            case 3 -> Arrays.copyOf(base, r.nextBoolean() ? r.nextInt(base.length) : r.nextInt(Math.min(base.length, 8 + headerLen + 16)));
            case 4 -> pack(replaceNumbers(r, json), r);
            case 5 -> pack(editChars(r, json), r);
            case 6 -> pack(replaceDtypeOrKey(r, json), r);
            default -> pack(structural(r), r);
        };
    }

    private byte[] flipHeaderBytes(Random r) {
        byte[] v = base.clone();
        int flips = 1 + r.nextInt(4);
        for (int k = 0; k < flips; k++) {
            int at = r.nextInt(4) == 0 ? r.nextInt(8) : 8 + r.nextInt(headerLen);
            if (r.nextBoolean()) v[at] ^= (byte) (1 << r.nextInt(8));
            else v[at] = (byte) r.nextInt(256);
        }
        return v;
    }

    private byte[] overwriteLength(Random r) {
        long[] lengths = {0, 1, 2, headerLen - 1, headerLen + 1, headerLen + 8, base.length - 8, base.length - 7, base.length,
                Long.MAX_VALUE, -1, Long.MIN_VALUE, 1L << 31, 1L << 32, 100_000_001, r.nextLong(), r.nextInt(base.length)};
        byte[] v = base.clone();
        ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putLong(0, lengths[r.nextInt(lengths.length)]);
        return v;
    }

    private static String replaceNumbers(Random r, String s) {
        List<int[]> spans = new ArrayList<>();
        Matcher m = NUMBER.matcher(s);
        while (m.find()) spans.add(new int[] {m.start(), m.end()});
        StringBuilder sb = new StringBuilder(s);
        int n = 1 + r.nextInt(2);
        // replace from the back so earlier spans stay valid
        List<int[]> picked = new ArrayList<>();
        for (int k = 0; k < n; k++) picked.add(spans.get(r.nextInt(spans.size())));
        picked.sort((a, b) -> b[0] - a[0]);
        int last = Integer.MAX_VALUE;
        for (int[] span : picked) {
            if (span[1] > last) continue;
            String repl = r.nextInt(3) == 0 ? Long.toString(Long.parseLong(s.substring(span[0], span[1])) + r.nextInt(9) - 4)
                    : NUMBERS[r.nextInt(NUMBERS.length)];
            sb.replace(span[0], span[1], repl);
            last = span[0];
        }
        return sb.toString();
    }

    private static String editChars(Random r, String s) {
        StringBuilder sb = new StringBuilder(s);
        int edits = 1 + r.nextInt(3);
        for (int k = 0; k < edits && sb.length() > 0; k++) {
            int at = r.nextInt(sb.length());
            char c = EDIT_CHARS.charAt(r.nextInt(EDIT_CHARS.length()));
            switch (r.nextInt(3)) {
                case 0 -> sb.deleteCharAt(at);
                case 1 -> sb.insert(at, c);
                default -> sb.setCharAt(at, c);
            }
        }
        return sb.toString();
    }

    private static String replaceDtypeOrKey(Random r, String s) {
        return switch (r.nextInt(4)) {
            case 0 -> {
                Matcher m = DTYPE.matcher(s);
                List<int[]> spans = new ArrayList<>();
                while (m.find()) spans.add(new int[] {m.start(), m.end()});
                int[] span = spans.get(r.nextInt(spans.size()));
                yield s.substring(0, span[0]) + "\"dtype\":\"" + DTYPES[r.nextInt(DTYPES.length)] + "\"" + s.substring(span[1]);
            }
            case 1 -> s.replaceFirst(new String[] {"\"shape\"", "\"dtype\"", "\"data_offsets\"", "\"__metadata__\""}[r.nextInt(4)], "\"renamed\"");
            case 2 -> s.replaceFirst("\"shape\":\\[[^\\]]*\\]", "\"shape\":" + new String[] {"[]", "[0]", "[1,1,1,1,1,1,1,1,1,1,1,1]",
                    "[3,-4]", "\"x\"", "null", "[[3]]", "[1.0]", "{}"}[r.nextInt(9)]);
            default -> s.replaceFirst("\"data_offsets\":\\[[^\\]]*\\]", "\"data_offsets\":" + new String[] {"[]", "[0]", "[0,0,0]",
                    "[0,48]", "[48,0]", "[-1,47]", "\"0,48\"", "null", "[0,18446744073709551615]"}[r.nextInt(9)]);
        };
    }

    private static String structural(Random r) {
        String[] headers = {
                "[" .repeat(200_000), "{\"a\":" .repeat(5_000), "[]", "\"str\"", "42", "null", "{}", "{\"__metadata__\":[]}",
                "{\"__metadata__\":{\"a\":{\"b\":1}}}", "{\"__metadata__\":null}", "{\"x\":null}", "{\"x\":[]}", "{\"x\":{}}",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[" + "1,".repeat(100) + "1],\"data_offsets\":[0,4]}}",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[" + "1".repeat(5_000) + "],\"data_offsets\":[0,4]}}",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}\u0000\u0000",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} {}",
                "\uFEFF{}", "{\"\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}",
                "{\"" + "n".repeat(100_000) + "\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":[1,{\"y\":2}]}}",
        };
        return headers[r.nextInt(headers.length)];
    }

    /** A file from a header text: its length field is usually right, sometimes off by a little. */
    private byte[] pack(String header, Random r) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        if (r.nextInt(8) == 0) h = Arrays.copyOf(h, h.length + r.nextInt(3));  // stray NULs after the JSON
        long declared = r.nextInt(6) == 0 ? h.length + r.nextInt(9) - 4 : h.length;
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declared).put(h).put(data);
        return b.array();
    }

    /**
     * Replaces the content of {@code f} without first truncating it to zero bytes: ext4 flushes a
     * file rewritten that way on close, which made writing the variants the slowest part of the test.
     */
    static void overwrite(Path f, byte[] content) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) ch.write(b, b.position());
            ch.truncate(content.length);
        }
    }

    /** True when the file loads (and every tensor reads); false on a clean CortadoException. */
    static boolean outcome(Path f, String what) {
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            for (Tensor t : sf.tensors()) readAll(t);
            return true;
        } catch (CortadoException e) {
            assertCleanMessage(e, f, what);
            return false;
        } catch (Throwable t) {
            throw new AssertionError(what + " of " + f + " threw " + t, t);
        }
    }

    static void readAll(Tensor t) {
        assertNotNull(t.bytes());
        if (Codecs.supports(t.type())) assertEquals(t.elementCount(), t.toFloats().length);
    }

    static void assertCleanMessage(CortadoException e, Path f, String what) {
        String m = e.getMessage();
        if (m == null || !m.startsWith(f + ": ") || m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0 || m.length() > 2000) {
            throw new AssertionError(what + ": message is not one line naming " + f + ": " + m, e);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void corruptIndexesLoadOrFailCleanly() throws IOException {
        makeBase();
        Path dir = Files.createDirectory(tmp.resolve("sharded"));
        SafetensorsTestFiles.writeSharded(dir, Map.of(), SafetensorsTestFiles.mixedTensors(), 3);
        Path index = dir.resolve(SafetensorsCheckpoint.INDEX);
        String good = Files.readString(index);
        String[] shardNames = {"model-00001-of-00003.safetensors", "model-00003-of-00003.safetensors", "", "absent.safetensors",
                "../base.safetensors", "/etc/passwd", ".", "..", "sub/x.safetensors", "model.safetensors.index.json", "\\u0000"};
        Random r = new Random(7);
        int loaded = 0;
        for (int i = 0; i < 1500; i++) {
            String v = switch (i % 3) {
                case 0 -> editChars(r, good);
                case 1 -> good.replaceFirst("model-0000[123]-of-00003\\.safetensors", Matcher.quoteReplacement(shardNames[r.nextInt(shardNames.length)]));
                default -> replaceNumbers(r, good).replaceFirst("\"weight_map\"", r.nextInt(4) == 0 ? "\"weight_mop\"" : "\"weight_map\"");
            };
            overwrite(index, v.getBytes(StandardCharsets.UTF_8));
            try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
                for (Tensor t : c.tensors()) readAll(t);
                loaded++;
            } catch (CortadoException e) {
                String m = e.getMessage();
                // the message names the index or one of the shards: both live in dir
                if (m == null || !m.startsWith(dir.toString()) || m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0) {
                    throw new AssertionError("index variant " + i + ": bad message: " + m, e);
                }
            } catch (Throwable t) {
                throw new AssertionError("index variant " + i + " threw " + t, t);
            }
        }
        assertTrue(loaded > 0);
    }
}
