import dev.cortado.tokenizer.train.PieceCounter;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the single-machine trainer's word table costs per distinct piece: counts FILE with the same
 * PieceCounter (one WordTable) and prints distinct pieces, their bytes and the table's memory.
 * Usage: java -cp target/cortado.jar tools/bench/PieceTableSize.java FILE [PATTERN]
 */
public class PieceTableSize {
    public static void main(String[] a) throws Exception {
        byte[] b = Files.readAllBytes(Path.of(a[0]));
        PieceCounter c = new PieceCounter(a.length > 1 ? a[1] : "gpt2");
        int cut = 0;
        for (int p = 0; p < b.length; ) {  // one document per ~1 MiB, cut after a newline as the trainer's chunks are
            int q = Math.min(b.length, p + (1 << 20));
            while (q < b.length && b[q - 1] != '\n') q++;
            c.countDocument(b, p, q);
            p = q;
            cut++;
        }
        long[] bytes = new long[1];
        c.forEach((piece, n) -> bytes[0] += piece.length);
        System.out.printf("piece table: %d distinct pieces, %d bytes of pieces, table %d bytes = %.1f bytes per distinct piece (%d chunks)%n",
                c.distinct(), bytes[0], c.memoryBytes(), (double) c.memoryBytes() / c.distinct(), cut);
    }
}
