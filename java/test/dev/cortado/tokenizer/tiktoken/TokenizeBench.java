package dev.cortado.tokenizer.tiktoken;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * JMH benchmark behind tools/bench/tokenize-speed.sh: one op encodes the whole benchmark text
 * ({@code -Dbench.text=…}, default tools/bench/out/mixed.txt) with {@code encodeOrdinary}, by Cortado
 * or JTokkit, in the same JVM. Run with {@code -t 1} for single-threaded throughput and {@code -t N}
 * for all cores (each thread encodes the whole text; JMH sums the threads' ops/s). MB/s = ops/s × the
 * text's MB. Not a test: it runs only through JMH's main.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TokenizeBench {
    @Param({"cl100k_base", "o200k_base"})
    public String encoding;

    @Param({"Cortado", "JTokkit"})
    public String impl;

    private String text;
    private TiktokenTokenizer cortado;
    private Encoding jtokkit;

    @Setup
    public void setup() throws Exception {
        text = Files.readString(Path.of(System.getProperty("bench.text", "tools/bench/out/mixed.txt")), StandardCharsets.UTF_8);
        if (impl.equals("Cortado")) cortado = Tiktoken.named(encoding);
        else jtokkit = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.fromName(encoding).orElseThrow());
    }

    @Benchmark
    public int encodeOrdinary() {
        return cortado != null ? cortado.encodeOrdinary(text).length : jtokkit.encodeOrdinary(text).size();
    }
}
