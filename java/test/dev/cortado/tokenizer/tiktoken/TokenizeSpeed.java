package dev.cortado.tokenizer.tiktoken;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The exactness and linearity half of tools/bench/tokenize-speed.sh (a main, not a test; throughput
 * is {@link TokenizeBench} under JMH): checks that Cortado and JTokkit give the same token counts on
 * the benchmark text, then times 1 MB of that text against 1 MB without spaces, of one repeated
 * char, of spaces and of digits, for the target that no input takes over 3× the text's time.
 *
 * <p>Usage: {@code TokenizeSpeed <text file>}; prints markdown.
 */
public final class TokenizeSpeed {
    public static void main(String[] args) throws Exception {
        String text = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
        var registry = Encodings.newDefaultEncodingRegistry();
        System.out.printf("text: %s, %.2f MB UTF-8, %d chars%n%n", args[0], text.getBytes(StandardCharsets.UTF_8).length / 1e6, text.length());
        for (String name : List.of("cl100k_base", "o200k_base")) {
            int a = Tiktoken.named(name).encodeOrdinary(text).length;
            int b = registry.getEncoding(EncodingType.fromName(name).orElseThrow()).encodeOrdinary(text).size();
            System.out.printf("%s tokens: Cortado %d, JTokkit %d%s%n", name, a, b, a == b ? "" : "  WARNING: they differ");
        }
        linearity(text, registry.getEncoding(EncodingType.CL100K_BASE), registry.getEncoding(EncodingType.O200K_BASE));
    }

    private static void linearity(String text, Encoding cl100k, Encoding o200k) {
        int mbChars = 1 << 20;
        String prose = text.substring(0, mbChars);
        Random r = new Random(1);
        StringBuilder sb = new StringBuilder(mbChars);
        while (sb.length() < mbChars) sb.append((char) ('a' + r.nextInt(26)));
        String[][] inputs = {{"1 MB of the benchmark text", prose}, {"1 MB of random letters, no spaces", sb.toString()},
                {"1 MB of 'a'", "a".repeat(mbChars)}, {"1 MB of spaces", " ".repeat(mbChars)},
                {"1 MB of digits", r.ints(mbChars, 0, 10).collect(StringBuilder::new, StringBuilder::append, StringBuilder::append).toString()}};
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        System.out.println();
        System.out.println("| encoding | input | Cortado ms (best of 7) | × the text's time | Cortado CPU ms (best of 7) | × the text's CPU time | JTokkit ms (one run) |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String name : List.of("cl100k_base", "o200k_base")) {
            TiktokenTokenizer ours = Tiktoken.named(name);
            Encoding theirs = name.equals("cl100k_base") ? cl100k : o200k;
            for (int w = 0; w < 5; w++) for (String[] in : inputs) ours.encodeOrdinary(in[1]); // warm-up
            double base = 0, baseCpu = 0;
            for (String[] in : inputs) {
                double best = Double.MAX_VALUE, bestCpu = Double.MAX_VALUE;
                for (int i = 0; i < 7; i++) {
                    long c0 = cpu.getCurrentThreadCpuTime(), t0 = System.nanoTime();
                    ours.encodeOrdinary(in[1]);
                    best = Math.min(best, (System.nanoTime() - t0) / 1e6);
                    bestCpu = Math.min(bestCpu, (cpu.getCurrentThreadCpuTime() - c0) / 1e6);
                }
                if (base == 0) {
                    base = best;
                    baseCpu = bestCpu;
                }
                long t0 = System.nanoTime();
                theirs.encodeOrdinary(in[1]);
                double jt = (System.nanoTime() - t0) / 1e6;
                System.out.printf("| %s | %s | %.1f | %.2f | %.1f | %.2f | %.1f |%n", name, in[0], best, best / base, bestCpu, bestCpu / baseCpu, jt);
            }
        }
    }
}
