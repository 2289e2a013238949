package dev.cortado.train;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossChartTest {
    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void isWellFormedSvgWithBothCurvesAxesAndTicks() throws Exception {
        List<LogEntry> log = new ArrayList<>();
        for (int s = 1; s <= 57; s++) {
            log.add(new LogEntry(s, 3.0 / s + 0.5, s % 10 == 0 ? 2.5 / s + 0.6 : Double.NaN, 1e-3, 1, 0, 0, 0, 0));
        }
        log.add(new LogEntry(58, Double.POSITIVE_INFINITY, Double.NaN, 1e-3, 1, 0, 0, 0, 0));  // a non-finite loss is skipped
        Document d = parse(LossChart.svg(log, "a <title> & more"));
        assertEquals("svg", d.getDocumentElement().getTagName());
        assertEquals(2, d.getElementsByTagName("polyline").getLength());
        String text = d.getDocumentElement().getTextContent();
        assertTrue(text.contains("step") && text.contains("loss") && text.contains("eval loss") && text.contains("a <title> & more"));
        assertTrue(text.contains("50"), "an x tick at 50");
    }

    @Test
    void anEmptyOrFlatLogStillDraws() throws Exception {
        parse(LossChart.svg(List.of(), "empty"));
        parse(LossChart.svg(List.of(new LogEntry(1, 2, 2, 0, 0, 0, 0, 0, 0)), "one"));
    }

    @Test
    void ticksAreNiceNumbers() {
        double[] t = LossChart.ticks(0, 57, 8);
        assertEquals(0, t[0]);
        assertEquals(10, t[1] - t[0], 1e-12);
        assertTrue(t[t.length - 1] >= 57);
    }
}
