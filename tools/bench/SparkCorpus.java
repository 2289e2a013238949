import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Writes SIZE_MB of text from the shared corpus with a Zipf-like long tail of synthetic words (see spark-train.sh). */
public class SparkCorpus {
    public static void main(String[] a) throws IOException {
        Path src = Path.of(a[0]), dst = Path.of(a[1]);
        long target = Long.parseLong(a[2]) << 20;
        double share = Double.parseDouble(a[3]);
        List<String[]> lines = new ArrayList<>();
        try (var files = Files.list(src)) {
            for (Path f : files.sorted().toList())
                for (String l : new String(Files.readAllBytes(f), StandardCharsets.UTF_8).split("\n"))
                    if (!l.isBlank()) lines.add(l.split(" ", -1));
        }
        double logRange = 40 * Math.log(2);
        long written = 0, draws = 0;
        int copy = 0;
        StringBuilder sb = new StringBuilder();
        while (written < target) {
            SplittableRandom rnd = new SplittableRandom(copy);
            int[] order = new int[lines.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            for (int i = order.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(dst.resolve(String.format("part-%04d.txt", copy / 10)),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND), 1 << 20)) {
                for (int i : order) {
                    sb.setLength(0);
                    String[] words = lines.get(i);
                    for (int k = 0; k < words.length; k++) {
                        if (k > 0) sb.append(' ');
                        String w = words[k];
                        if (!w.isEmpty() && letters(w) && rnd.nextDouble() < share) {
                            // a word form drawn with P(id) ~ 1/id over [1, 2^40): a head of frequent forms and a tail of rare ones
                            long id = (long) Math.exp(rnd.nextDouble() * logRange);
                            form(id, sb);
                            draws++;
                        } else sb.append(w);
                    }
                    sb.append('\n');
                    byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
                    out.write(b);
                    written += b.length;
                }
            }
            copy++;
        }
        System.out.printf("corpus: %d copies, %d bytes, %d synthetic word draws in %s%n", copy, written, draws, dst);
    }

    static boolean letters(String w) {
        for (int i = 0; i < w.length(); i++) if (!Character.isLetter(w.charAt(i))) return false;
        return true;
    }

    /** The id's word: 3 to 10 lowercase letters, longer for rarer ids, spelled from a scramble of the id. */
    static void form(long id, StringBuilder sb) {
        long x = id * 0x9E3779B97F4A7C15L;
        x ^= x >>> 29;
        x *= 0xBF58476D1CE4E5B9L;
        x >>>= 1;
        int len = 3 + (63 - Long.numberOfLeadingZeros(id)) / 5;
        for (int i = 0; i < len; i++) {
            sb.append((char) ('a' + x % 26));
            x /= 26;
        }
    }
}
