package dev.cortado.tokenizer.tiktoken;

import dev.cortado.TestFiles;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every row of tiktoken's conformance vectors in ../shared/tokenizers/tiktoken. */
class TiktokenConformanceTest {
    @ParameterizedTest
    @ValueSource(strings = {"r50k_base", "p50k_base", "p50k_edit", "cl100k_base", "o200k_base"})
    void allRowsMatch(String name) throws Exception {
        var rows = EncodingsCsv.read(TestFiles.sharedFile("tokenizers/tiktoken/" + name + "_encodings.csv"));
        assertTrue(rows.size() > 400, rows.size() + " rows");
        TiktokenTokenizer enc = Tiktoken.named(name);
        List<String> failures = new ArrayList<>();
        for (var row : rows) {
            int[] ids = enc.encode(row.input());
            if (!Arrays.equals(row.output(), ids))
                failures.add("encode " + row.input() + "\n  want " + Arrays.toString(row.output()) + "\n  got  " + Arrays.toString(ids));
            if (!Arrays.equals(row.output(), enc.encodeOrdinary(row.input()))) failures.add("encodeOrdinary " + row.input());
            int[] cut = enc.encode(row.input(), 10);
            if (!Arrays.equals(row.outputMaxTokens10(), cut))
                failures.add("encode(…, 10) " + row.input() + "\n  want " + Arrays.toString(row.outputMaxTokens10()) + "\n  got  " + Arrays.toString(cut));
            if (enc.countTokens(row.input()) != row.output().length) failures.add("countTokens " + row.input());
            if (!row.input().equals(enc.decode(row.output()))) failures.add("decode " + row.input());
        }
        assertEquals(List.of(), failures, failures.size() + " of " + rows.size() + " rows differ");
    }
}
