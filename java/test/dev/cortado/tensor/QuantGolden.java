package dev.cortado.tensor;

import dev.cortado.TestFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** Reads testdata/quant/<type>.bin, written by tools/quant-golden/make-golden.py (layout documented there). */
public record QuantGolden(String name, boolean dequantizeOnly, int rows, int rowLength, float[] input, byte[] quantized, float[] dequantized) {
    public static List<QuantGolden> load(TensorType type) throws IOException {
        byte[] all = Files.readAllBytes(TestFiles.testdata().resolve("quant").resolve(type.lowerName() + ".bin"));
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[4];
        b.get(magic);
        if (!new String(magic, StandardCharsets.US_ASCII).equals("CQG1")) throw new IOException("bad magic in golden file of " + type);
        if (b.getInt() != type.ggmlId()) throw new IOException("golden file of " + type + " holds another type");
        int cases = b.getInt();
        List<QuantGolden> out = new ArrayList<>();
        for (int c = 0; c < cases; c++) {
            byte[] name = new byte[b.getInt()];
            b.get(name);
            int flags = b.getInt(), rows = b.getInt(), rowLength = b.getInt();
            int n = rows * rowLength;
            float[] in = new float[n];
            b.asFloatBuffer().get(in);
            b.position(b.position() + 4 * n);
            byte[] q = new byte[(int) type.byteSize(n)];
            b.get(q);
            float[] deq = new float[n];
            b.asFloatBuffer().get(deq);
            b.position(b.position() + 4 * n);
            out.add(new QuantGolden(new String(name, StandardCharsets.UTF_8), (flags & 1) != 0, rows, rowLength, in, q, deq));
        }
        if (b.hasRemaining()) throw new IOException("trailing bytes in golden file of " + type);
        return out;
    }
}
