package dev.cortado.tokenizer.tiktoken;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToIntFunction;

/**
 * The encode-speed benchmark behind tools/bench/tokenize-speed.sh (a main, not a test): Cortado and
 * JTokkit in one JVM on the same text, warmed up, then timed over repeated runs (best and median
 * reported). Multi-threaded runs split the text at line ends into ~64 KiB chunks encoded on a fixed
 * pool of all cores. Then the linearity check: 1 MB of prose vs 1 MB without spaces vs 1 MB of one char.
 *
 * <p>Usage: {@code TokenizeSpeed <text file> <repeats> [encodings…]}; prints markdown table rows.
 */
public final class TokenizeSpeed {
    public static void main(String[] args) throws Exception {
        String text = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
        int repeats = Integer.parseInt(args[1]);
        List<String> names = args.length > 2 ? Arrays.asList(args).subList(2, args.length) : List.of("cl100k_base", "o200k_base");
        double mb = text.getBytes(StandardCharsets.UTF_8).length / 1e6;
        List<String> chunks = chunks(text, 1 << 16);
        int threads = Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        var registry = Encodings.newDefaultEncodingRegistry();
        System.out.printf("text: %s, %.2f MB UTF-8, %d chars; %d threads; %d timed repeats after warm-up%n%n",
                args[0], mb, text.length(), threads, repeats);
        System.out.println("| encoding | implementation | threads | tokens | best MB/s | median MB/s |");
        System.out.println("|---|---|---|---|---|---|");
        for (String name : names) {
            TiktokenTokenizer ours = Tiktoken.named(name);
            Encoding theirs = registry.getEncoding(EncodingType.fromName(name).orElseThrow());
            int a = ours.encode(text).length, b = theirs.encode(text).size();
            if (a != b) System.out.println("WARNING: token counts differ: " + a + " vs " + b);
            ToIntFunction<String> cortado = s -> ours.encodeOrdinary(s).length;
            ToIntFunction<String> jtokkit = s -> theirs.encodeOrdinary(s).size();
            row(name, "Cortado", 1, mb, repeats, () -> cortado.applyAsInt(text));
            row(name, "JTokkit 1.1.0", 1, mb, repeats, () -> jtokkit.applyAsInt(text));
            row(name, "Cortado", threads, mb, repeats, () -> parallel(pool, chunks, cortado));
            row(name, "JTokkit 1.1.0", threads, mb, repeats, () -> parallel(pool, chunks, jtokkit));
        }
        pool.shutdown();
        linearity(text, registry.getEncoding(EncodingType.CL100K_BASE), registry.getEncoding(EncodingType.O200K_BASE));
    }

    interface Job {
        int run() throws Exception;
    }

    private static void row(String name, String impl, int threads, double mb, int repeats, Job job) throws Exception {
        int tokens = 0;
        long warmUntil = System.nanoTime() + 3_000_000_000L;
        for (int i = 0; i < 3 || System.nanoTime() < warmUntil; i++) tokens = job.run();
        double[] rates = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            job.run();
            rates[i] = mb / ((System.nanoTime() - t0) / 1e9);
        }
        Arrays.sort(rates);
        System.out.printf("| %s | %s | %d | %d | %.1f | %.1f |%n", name, impl, threads, tokens, rates[repeats - 1], rates[repeats / 2]);
    }

    private static int parallel(ExecutorService pool, List<String> chunks, ToIntFunction<String> f) throws Exception {
        List<Future<Integer>> fs = new ArrayList<>(chunks.size());
        for (String c : chunks) fs.add(pool.submit(() -> f.applyAsInt(c)));
        int n = 0;
        for (Future<Integer> x : fs) n += x.get();
        return n;
    }

    private static List<String> chunks(String text, int size) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < text.length(); ) {
            int j = Math.min(text.length(), i + size);
            while (j < text.length() && text.charAt(j - 1) != '\n') j++;
            out.add(text.substring(i, j));
            i = j;
        }
        return out;
    }

    private static void linearity(String text, Encoding cl100k, Encoding o200k) throws Exception {
        int mbChars = 1 << 20;
        String prose = text.substring(0, mbChars);
        Random r = new Random(1);
        StringBuilder sb = new StringBuilder(mbChars);
        while (sb.length() < mbChars) sb.append((char) ('a' + r.nextInt(26)));
        String[][] inputs = {{"1 MB of the benchmark text", prose}, {"1 MB of random letters, no spaces", sb.toString()},
                {"1 MB of 'a'", "a".repeat(mbChars)}, {"1 MB of spaces", " ".repeat(mbChars)},
                {"1 MB of digits", r.ints(mbChars, 0, 10).collect(StringBuilder::new, StringBuilder::append, StringBuilder::append).toString()}};
        System.out.println();
        System.out.println("| encoding | input | Cortado ms (best of 5) | × the text's time | JTokkit ms (one run) |");
        System.out.println("|---|---|---|---|---|");
        for (String name : List.of("cl100k_base", "o200k_base")) {
            TiktokenTokenizer ours = Tiktoken.named(name);
            Encoding theirs = name.equals("cl100k_base") ? cl100k : o200k;
            double base = 0;
            for (String[] in : inputs) {
                double best = Double.MAX_VALUE;
                for (int i = 0; i < 5; i++) {
                    long t0 = System.nanoTime();
                    ours.encodeOrdinary(in[1]);
                    best = Math.min(best, (System.nanoTime() - t0) / 1e6);
                }
                if (base == 0) base = best;
                long t0 = System.nanoTime();
                theirs.encodeOrdinary(in[1]);
                double jt = (System.nanoTime() - t0) / 1e6;
                System.out.printf("| %s | %s | %.1f | %.2f | %.1f |%n", name, in[0], best, best / base, jt);
            }
        }
    }
}
