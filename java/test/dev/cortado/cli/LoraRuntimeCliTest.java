package dev.cortado.cli;

import dev.cortado.TestFiles;
import dev.cortado.io.Npy;
import dev.cortado.lora.LoraAdapter;
import dev.cortado.lora.LoraFiles;
import dev.cortado.lora.PeftAdapter;
import dev.cortado.model.ModelFile;
import dev.cortado.model.ModelLoader;
import dev.cortado.model.Transformer;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --lora} on {@code generate} and {@code logits}, and {@code convert} of LoRA adapters. */
class LoraRuntimeCliTest {
    @TempDir
    Path tmp;

    static Path base() {
        return TestFiles.sharedFile("models/tinystories-656k/model.safetensors").getParent();
    }

    /** A random rank-4 PEFT adapter on Q, V and the FFN down projection of both tinystories-656k layers. */
    Path peft() {
        Random rnd = new Random(31);
        Map<String, LoraAdapter.Pair> pairs = new LinkedHashMap<>();
        for (int l = 0; l < 2; l++) {
            pairs.put("blk." + l + ".attn_q.weight", pair(rnd, "q" + l, 4, 128, 128));
            pairs.put("blk." + l + ".attn_v.weight", pair(rnd, "v" + l, 4, 128, 64));
            pairs.put("blk." + l + ".ffn_down.weight", pair(rnd, "d" + l, 4, 384, 128));
        }
        Path dir = tmp.resolve("peft");
        try (ModelFile f = ModelLoader.open(base())) {
            LoraAdapter a = new LoraAdapter(null, pairs, 8, false, false, null, 0, 0, "tinystories-656k", TensorType.F32);
            PeftAdapter.write(a, dir, f.config(), null);
        }
        return dir;
    }

    static LoraAdapter.Pair pair(Random rnd, String name, int r, int in, int out) {
        float[] a = new float[r * in];
        float[] b = new float[out * r];
        for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextGaussian() * 0.1);
        for (int i = 0; i < b.length; i++) b[i] = (float) (rnd.nextGaussian() * 0.1);
        return new LoraAdapter.Pair(Tensor.ofFloats(name + ".a", TensorType.F32, new long[]{r, in}, a),
                Tensor.ofFloats(name + ".b", TensorType.F32, new long[]{out, r}, b));
    }

    @Test
    void logitsWithLoraMatchTheEngineAndFactorZeroIsTheBase() {
        Path peft = peft();
        String ids = "1,415,930,12,77,1500,3,64";
        Path plain = tmp.resolve("base.npy");
        Path with = tmp.resolve("lora.npy");
        Path zero = tmp.resolve("zero.npy");
        assertEquals(0, CliTest.run("logits", "--model", base().toString(), "--tokens", ids, "--out", plain.toString()).code());
        CliTest.Run r = CliTest.run("logits", "--model", base().toString(), "--tokens", ids, "--out", with.toString(), "--lora", peft + ":0.7");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("lora: " + peft + ", 6 pairs, factor 0.7"), r.err());
        r = CliTest.run("logits", "--model", base().toString(), "--tokens", ids, "--out", zero.toString(), "--lora", peft + ":0");
        assertEquals(0, r.code(), r.err());
        float[] b = Npy.readFloats(plain).data();
        float[] l = Npy.readFloats(with).data();
        assertArrayEquals(b, Npy.readFloats(zero).data(), "factor 0 is the base exactly");
        assertFalse(java.util.Arrays.equals(b, l), "the adapter changes the logits");
        try (ModelFile f = ModelLoader.open(base()); Transformer t = new Transformer(f, 0, 32)) {
            t.addAdapter(LoraFiles.open(peft, f.config()), 0.7f);
            int[] tokens = java.util.Arrays.stream(ids.split(",")).mapToInt(Integer::parseInt).toArray();
            float[] want = new float[tokens.length * t.vocabSize()];
            t.forwardAll(tokens, 0, want);
            assertArrayEquals(want, l);
        }
    }

    @Test
    void generateWithLoraAndConvertBothWays() {
        Path peft = peft();
        Path gguf = tmp.resolve("adapter.gguf");
        CliTest.Run r = CliTest.run("convert", "--in", peft.toString(), "--out", gguf.toString(), "--base", base().toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("LoRA adapter, 6 pairs, rank 4"), r.out());
        Path back = tmp.resolve("back");
        r = CliTest.run("convert", "--in", gguf.toString(), "--out", back.toString());
        assertEquals(0, r.code(), r.err());
        try (ModelFile f = ModelLoader.open(base())) {
            LoraAdapter a = LoraFiles.open(peft, f.config());
            LoraAdapter g = LoraFiles.open(gguf, f.config());
            LoraAdapter c = LoraFiles.open(back, f.config());
            assertEquals(a.tensors().keySet(), g.tensors().keySet());
            assertEquals(a.tensors().keySet(), c.tensors().keySet());
            for (String k : a.tensors().keySet()) {
                for (LoraAdapter x : new LoraAdapter[]{g, c}) {
                    assertArrayEquals(a.tensors().get(k).a().toFloats(), x.tensors().get(k).a().toFloats(), k);
                    assertArrayEquals(a.tensors().get(k).b().toFloats(), x.tensors().get(k).b().toFloats(), k);
                    assertEquals(a.scale(k), x.scale(k), k);
                }
            }
        }

        String[] common = {"generate", "--model", base().toString(), "--prompt", "Once upon a time", "-n", "24", "--temp", "0"};
        CliTest.Run plain = CliTest.run(common);
        assertEquals(0, plain.code(), plain.err());
        CliTest.Run zero = CliTest.run(concat(common, "--lora", gguf + ":0"));
        assertEquals(plain.out(), zero.out(), "factor 0 generates the base's text");
        CliTest.Run lora = CliTest.run(concat(common, "--lora", gguf.toString(), "--lora", back + ":0.5"));
        assertEquals(0, lora.code(), lora.err());
        assertTrue(lora.out().startsWith("Once upon a time"), lora.out());
        assertNotEquals(plain.out(), lora.out());
    }

    @Test
    void adapterForAnotherModelIsOneLineExit2() {
        Path peft = peft();
        Path other = TestFiles.sharedFile("models/stories260K/stories260K.bin");
        for (String cmd : new String[]{"generate", "logits"}) {
            String[] args = cmd.equals("generate")
                    ? new String[]{cmd, "--model", other.toString(), "-n", "4", "--lora", peft.toString()}
                    : new String[]{cmd, "--model", other.toString(), "--tokens", "1,2", "--out", tmp.resolve("x.npy").toString(), "--lora", peft.toString()};
            CliTest.Run r = CliTest.run(args);
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().startsWith("cortado: ") && r.err().contains("blk.0.attn_q.weight"), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        CliTest.Run r = CliTest.run("logits", "--model", base().toString(), "--tokens", "1", "--out", tmp.resolve("y.npy").toString(),
                "--lora", tmp.resolve("missing").toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(tmp.resolve("y.npy")));
        r = CliTest.run("convert", "--in", base().toString(), "--out", tmp.resolve("m.gguf").toString(), "--base", base().toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--base is for converting LoRA adapters"), r.err());
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Piped chat: {@code /lora} loads, lists, rescales and unloads adapters without reloading the model. */
    @Test
    void chatLoraCommands() throws Exception {
        Path peft = peft();
        String base = base().toString();
        String[] common = {"chat", "--model", base, "--template", "chatml", "--temp", "0", "--max-tokens", "16"};
        String plain = chat("Once upon a time\n", common).out();
        CliTest.Run zero = chat("/lora load " + peft + ":0\nOnce upon a time\n", common);
        assertEquals(plain, zero.out(), "factor 0 leaves the replies as the base's");
        String[] withOption = java.util.stream.Stream.concat(java.util.Arrays.stream(common), java.util.stream.Stream.of("--lora", peft.toString()))
                .toArray(String[]::new);
        String adapted = chat("Once upon a time\n", withOption).out();
        assertFalse(plain.equals(adapted), "the adapter changes the reply");
        CliTest.Run loaded = chat("/lora load " + peft + "\n/lora list\nOnce upon a time\n", common);
        assertEquals(adapted, loaded.out(), "/lora load = --lora");
        assertTrue(loaded.err().contains("1: " + peft), loaded.err());
        CliTest.Run unloaded = chat("/lora unload 1\nOnce upon a time\n", withOption);
        assertEquals(plain, unloaded.out(), "after /lora unload the replies are the base's");
        CliTest.Run rescaled = chat("/lora scale 1 0\nOnce upon a time\n", withOption);
        assertEquals(plain, rescaled.out(), "/lora scale 1 0 gives the base's replies");
        CliTest.Run bad = chat("/lora scale 7 1\n", common);
        assertEquals(0, bad.code(), bad.err());
        assertTrue(bad.err().contains("7"), bad.err());
    }

    private static CliTest.Run chat(String stdin, String... args) {
        java.io.InputStream old = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            return CliTest.run(args);
        } finally {
            System.setIn(old);
        }
    }
}
