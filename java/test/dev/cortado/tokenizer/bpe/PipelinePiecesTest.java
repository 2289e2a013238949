package dev.cortado.tokenizer.bpe;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Split behaviours, Digits, ByteLevel's prefix space and normalizer alignments, as Hugging Face defines them. */
class PipelinePiecesTest {
    private static List<String> split(PreSplit s, String text) {
        return s.split(List.of(new Piece(text, 0, 0))).stream().map(Piece::text).toList();
    }

    @Test
    void splitBehaviours() {
        Pattern dash = Pattern.compile("-");
        String t = "the-final--countdown";
        assertEquals(List.of("the", "-", "final", "-", "-", "countdown"), split(PreSplit.regex(dash, PreSplit.Behavior.ISOLATED, false), t));
        assertEquals(List.of("the", "final", "countdown"), split(PreSplit.regex(dash, PreSplit.Behavior.REMOVED, false), t));
        assertEquals(List.of("the-", "final-", "-", "countdown"), split(PreSplit.regex(dash, PreSplit.Behavior.MERGED_WITH_PREVIOUS, false), t));
        assertEquals(List.of("the", "-final", "-", "-countdown"), split(PreSplit.regex(dash, PreSplit.Behavior.MERGED_WITH_NEXT, false), t));
        assertEquals(List.of("the", "-", "final", "--", "countdown"), split(PreSplit.regex(dash, PreSplit.Behavior.CONTIGUOUS, false), t));
        assertEquals(List.of("-", "-", "-"), split(PreSplit.regex(dash, PreSplit.Behavior.REMOVED, true), t));
    }

    @Test
    void digitsAndByteLevelPrefixSpace() throws Exception {
        var json = new ObjectMapper();
        Path f = Path.of("tokenizer.json");
        PreSplit digits = PreSplit.fromJson(json.readTree("{\"type\":\"Digits\",\"individual_digits\":true}"), f);
        assertEquals(List.of("a", "1", "2", "b"), split(digits, "a12b"));
        PreSplit contiguous = PreSplit.fromJson(json.readTree("{\"type\":\"Digits\",\"individual_digits\":false}"), f);
        assertEquals(List.of("a", "12", "b"), split(contiguous, "a12b"));
        PreSplit bl = PreSplit.fromJson(json.readTree("{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"use_regex\":true}"), f);
        List<Piece> ps = bl.split(List.of(new Piece("Hello world", 0, 0)));
        assertEquals(List.of(" Hello", " world"), ps.stream().map(Piece::text).toList());
        assertEquals(0, ps.get(0).normStart(0));   // the inserted space is empty, at the start
        assertEquals(0, ps.get(0).normEnd(0));
        assertEquals(5, ps.get(1).normStart(0));
    }

    @Test
    void normalizersKeepAlignments() throws Exception {
        var json = new ObjectMapper();
        Path f = Path.of("tokenizer.json");
        var nfc = Normalizers.of(json.readTree("{\"type\":\"NFC\"}"), f);
        Normalized n = nfc.apply(Normalized.of("xe\u0301y", 10));
        assertEquals("x\u00E9y", n.text);
        assertEquals(11, n.starts[1]);
        assertEquals(13, n.ends[1]);
        assertEquals(13, n.starts[2]);
        var seq = Normalizers.of(json.readTree("{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Lowercase\"},"
                + "{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"\u2581\"},{\"type\":\"Prepend\",\"prepend\":\"\u2581\"}]}"), f);
        Normalized m = seq.apply(Normalized.of("Ab C", 0));
        assertEquals("\u2581ab\u2581c", m.text);
        assertEquals(2, m.starts[3]);
        assertEquals(3, m.ends[3]);
    }
}
