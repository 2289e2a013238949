package dev.cortado.io.llama2c;

import dev.cortado.CortadoException;
import dev.cortado.io.MappedFile;
import dev.cortado.tensor.Tensor;
import dev.cortado.tensor.TensorType;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A llama2.c fp32 checkpoint, memory-mapped. Two layouts are read:
 * <ul>
 *   <li>version 0 (legacy, {@code export.py --version 0}, the TinyStories files): seven int32s
 *   {@code dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len} — a negative
 *   vocab_size means a separate classifier follows — then the weights kind by kind (all layers'
 *   rms_att, all wq, ...), two unused RoPE tables of {@code seq_len * head_size / 2} floats, and
 *   {@code wcls} when not shared. Some exporters leave the RoPE tables out; both sizes are accepted.</li>
 *   <li>version 1: magic {@code "ak42"}, version 1, the same seven ints, a shared-classifier byte,
 *   zero padding to 256 bytes, then norms first (rms_att, rms_ffn, rms_final), the embedding,
 *   the matrices, and wcls when not shared.</li>
 * </ul>
 * Version 2 (Q8_0) is recognised and refused. Tensors keep llama2.c's names, split per layer
 * ({@code wq.3}), with row-major shapes.
 */
public final class Llama2cCheckpoint implements AutoCloseable {
    static final int MAGIC = 0x616b3432;  // "ak42" read as a little-endian int
    static final int V0_HEADER = 7 * 4;
    static final int V1_HEADER = 256;
    // generous bounds that still keep every size computation far from overflow
    static final int MAX_DIM = 1 << 20, MAX_LAYERS = 1 << 12, MAX_HEADS = 1 << 12, MAX_VOCAB = 1 << 24, MAX_SEQ = 1 << 24;

    private final MappedFile file;
    private final Llama2cConfig config;
    private final int version;
    private final List<Tensor> tensors;
    private final Map<String, Tensor> byName = new HashMap<>();

    private Llama2cCheckpoint(MappedFile file, Llama2cConfig config, int version, List<Tensor> tensors) {
        this.file = file;
        this.config = config;
        this.version = version;
        this.tensors = List.copyOf(tensors);
        for (Tensor t : tensors) byName.put(t.name(), t);
    }

    /** Maps and validates {@code bin}; any problem with it is a one-line {@link CortadoException}. */
    public static Llama2cCheckpoint open(Path bin) {
        MappedFile mf = MappedFile.open(bin);
        try {
            long size = mf.size();
            if (size < V0_HEADER) throw CortadoException.inFile(bin, "only " + size + " bytes: too short for a llama2.c checkpoint header");
            ByteBuffer h = mf.slice(0, V0_HEADER);
            if (h.getInt(0) == MAGIC) return openVersioned(bin, mf);
            int vocab = h.getInt(20);
            Llama2cConfig c = validate(bin, new Llama2cConfig(h.getInt(0), h.getInt(4), h.getInt(8), h.getInt(12), h.getInt(16),
                    vocab == Integer.MIN_VALUE ? 0 : Math.abs(vocab), h.getInt(24), vocab > 0));
            long ropeTables = 2L * ((long) c.seqLen() * c.headSize() / 2) * 4;
            long withRope = V0_HEADER + weightBytes(c) + ropeTables;
            long withoutRope = withRope - ropeTables;
            if (size != withRope && size != withoutRope) {
                throw CortadoException.inFile(bin, "file has " + size + " bytes but the header " + describe(c) + " needs " + withRope
                        + " (or " + withoutRope + " without the RoPE tables); truncated, or not a llama2.c checkpoint?");
            }
            return new Llama2cCheckpoint(mf, c, 0, layout(mf, c, 0, size == withRope ? ropeTables : 0));
        } catch (RuntimeException | Error e) {
            mf.close();
            throw e;
        }
    }

    private static Llama2cCheckpoint openVersioned(Path bin, MappedFile mf) {
        long size = mf.size();
        if (size < 12) throw CortadoException.inFile(bin, "only " + size + " bytes: too short for a llama2.c version header");
        int version = mf.slice(4, 4).getInt(0);
        if (version == 2) {
            throw CortadoException.inFile(bin, "llama2.c version 2 (Q8_0 quantized) checkpoints are not supported; export with --version 0 or 1 (fp32)");
        }
        if (version != 1) throw CortadoException.inFile(bin, "unknown llama2.c checkpoint version " + version + " (Cortado reads versions 0 and 1)");
        if (size < V1_HEADER) throw CortadoException.inFile(bin, "only " + size + " bytes: too short for a llama2.c version 1 header (256 bytes)");
        ByteBuffer h = mf.slice(8, 29);
        int shared = h.get(28);
        if (shared != 0 && shared != 1) throw CortadoException.inFile(bin, "shared-classifier flag is " + shared + ", not 0 or 1");
        Llama2cConfig c = validate(bin, new Llama2cConfig(h.getInt(0), h.getInt(4), h.getInt(8), h.getInt(12), h.getInt(16),
                h.getInt(20), h.getInt(24), shared == 1));
        long expected = V1_HEADER + weightBytes(c);
        if (size != expected) {
            throw CortadoException.inFile(bin, "file has " + size + " bytes but the version 1 header " + describe(c) + " needs " + expected
                    + "; truncated, or not a llama2.c checkpoint?");
        }
        return new Llama2cCheckpoint(mf, c, 1, layout(mf, c, 1, 0));
    }

    private static Llama2cConfig validate(Path bin, Llama2cConfig c) {
        check(bin, "dim", c.dim(), MAX_DIM);
        check(bin, "hidden_dim", c.hiddenDim(), MAX_DIM);
        check(bin, "n_layers", c.nLayers(), MAX_LAYERS);
        check(bin, "n_heads", c.nHeads(), MAX_HEADS);
        check(bin, "n_kv_heads", c.nKvHeads(), MAX_HEADS);
        check(bin, "vocab_size", c.vocabSize(), MAX_VOCAB);
        check(bin, "seq_len", c.seqLen(), MAX_SEQ);
        if (c.dim() % c.nHeads() != 0) throw CortadoException.inFile(bin, "dim " + c.dim() + " is not divisible by n_heads " + c.nHeads() + "; not a llama2.c checkpoint?");
        if (c.nHeads() % c.nKvHeads() != 0) {
            throw CortadoException.inFile(bin, "n_heads " + c.nHeads() + " is not divisible by n_kv_heads " + c.nKvHeads() + "; not a llama2.c checkpoint?");
        }
        if (c.headSize() % 2 != 0) throw CortadoException.inFile(bin, "head size " + c.headSize() + " is odd; RoPE needs an even head size");
        return c;
    }

    private static void check(Path bin, String field, int value, int max) {
        if (value <= 0 || value > max) {
            throw CortadoException.inFile(bin, "header field " + field + " is " + value + ", outside 1.." + max + "; not a llama2.c checkpoint?");
        }
    }

    private static String describe(Llama2cConfig c) {
        return "(dim " + c.dim() + ", hidden " + c.hiddenDim() + ", layers " + c.nLayers() + ", heads " + c.nHeads() + "/" + c.nKvHeads()
                + ", vocab " + c.vocabSize() + ", seq " + c.seqLen() + (c.sharedClassifier() ? ", shared classifier)" : ", separate classifier)");
    }

    /** Bytes of all weight tensors (RoPE tables excluded). Bounds in {@link #validate} keep this far below 2^63. */
    static long weightBytes(Llama2cConfig c) {
        long n = 0;
        for (Spec s : specs(c)) n += s.count() * s.elements();
        return n * 4;
    }

    /** One kind of tensor: {@code count} tensors (one per layer, or 1) of shape {@code shape}. */
    private record Spec(String name, boolean perLayer, int count, long... shape) {
        long elements() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    /** The kinds in version 0 file order; wcls only when the classifier is separate. */
    private static List<Spec> specs(Llama2cConfig c) {
        int l = c.nLayers();
        long dim = c.dim(), hidden = c.hiddenDim(), q = (long) c.nHeads() * c.headSize(), kv = c.kvDim();
        List<Spec> s = new ArrayList<>(List.of(
                new Spec("token_embedding_table", false, 1, c.vocabSize(), dim),
                new Spec("rms_att_weight", true, l, dim),
                new Spec("wq", true, l, q, dim),
                new Spec("wk", true, l, kv, dim),
                new Spec("wv", true, l, kv, dim),
                new Spec("wo", true, l, dim, q),
                new Spec("rms_ffn_weight", true, l, dim),
                new Spec("w1", true, l, hidden, dim),
                new Spec("w2", true, l, dim, hidden),
                new Spec("w3", true, l, hidden, dim),
                new Spec("rms_final_weight", false, 1, dim)));
        if (!c.sharedClassifier()) s.add(new Spec("wcls", false, 1, c.vocabSize(), dim));
        return s;
    }

    /** Version 1 puts the norms first, then the embedding, then the matrices. */
    private static List<Spec> v1Order(List<Spec> v0) {
        List<String> order = List.of("rms_att_weight", "rms_ffn_weight", "rms_final_weight", "token_embedding_table",
                "wq", "wk", "wv", "wo", "w1", "w2", "w3", "wcls");
        List<Spec> out = new ArrayList<>();
        for (String name : order) for (Spec s : v0) if (s.name().equals(name)) out.add(s);
        return out;
    }

    /** Zero-copy views in file order; {@code ropeBytes} are skipped after rms_final_weight (version 0). */
    private static List<Tensor> layout(MappedFile mf, Llama2cConfig c, int version, long ropeBytes) {
        List<Spec> specs = version == 0 ? specs(c) : v1Order(specs(c));
        long offset = version == 0 ? V0_HEADER : V1_HEADER;
        List<Tensor> out = new ArrayList<>();
        for (Spec s : specs) {
            for (int i = 0; i < s.count(); i++) {
                out.add(Tensor.mapped(s.perLayer() ? s.name() + "." + i : s.name(), TensorType.F32, s.shape(), mf, offset));
                offset += s.elements() * 4;
            }
            if (s.name().equals("rms_final_weight")) offset += ropeBytes;
        }
        return out;
    }

    public Llama2cConfig config() {
        return config;
    }

    /** 0 for the legacy layout, 1 for the "ak42" version 1 layout. */
    public int version() {
        return version;
    }

    /** All weights in file order (no wcls when the classifier is shared with token_embedding_table). */
    public List<Tensor> tensors() {
        return tensors;
    }

    /** The tensor called {@code name}, or null. */
    public Tensor tensor(String name) {
        return byName.get(name);
    }

    public Path path() {
        return file.path();
    }

    @Override
    public void close() {
        file.close();
    }
}
