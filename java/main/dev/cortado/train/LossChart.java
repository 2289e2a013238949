package dev.cortado.train;

import dev.cortado.io.AtomicFile;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code loss.svg}: train loss (a line) and eval loss (a line with dots) against the step, with
 * labelled axes and "nice" ticks (1, 2 or 5 × 10^k). Plain SVG written by hand; rewritten atomically
 * as training goes so a browser can reload it at any time.
 */
public final class LossChart {
    public static final String FILE = "loss.svg";

    private static final int W = 760, H = 440, LEFT = 70, RIGHT = 20, TOP = 40, BOTTOM = 55;

    private LossChart() {}

    public static void write(Path file, List<LogEntry> log, String title) {
        byte[] svg = svg(log, title).getBytes(StandardCharsets.UTF_8);
        AtomicFile.writeStream(file, os -> os.write(svg));
    }

    public static String svg(List<LogEntry> log, String title) {
        List<double[]> train = new ArrayList<>(), eval = new ArrayList<>();
        for (LogEntry e : log) {
            if (Double.isFinite(e.loss())) train.add(new double[]{e.step(), e.loss()});
            if (e.hasEval() && Double.isFinite(e.evalLoss())) eval.add(new double[]{e.step(), e.evalLoss()});
        }
        double xMax = 1, yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (List<double[]> s : List.of(train, eval)) {
            for (double[] p : s) {
                xMax = Math.max(xMax, p[0]);
                yMin = Math.min(yMin, p[1]);
                yMax = Math.max(yMax, p[1]);
            }
        }
        if (yMin > yMax) {
            yMin = 0;
            yMax = 1;
        }
        if (yMax - yMin < 1e-9) {
            yMin -= 0.5;
            yMax += 0.5;
        }
        double[] xt = ticks(0, xMax, 8), yt = ticks(yMin, yMax, 6);
        double x0 = 0, x1 = Math.max(xMax, xt[xt.length - 1]), y0 = Math.min(yMin, yt[0]), y1 = Math.max(yMax, yt[yt.length - 1]);
        int pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
        Scale sx = v -> LEFT + (v - x0) / (x1 - x0) * pw;
        Scale sy = v -> TOP + ph - (v - y0) / (y1 - y0) * ph;

        StringBuilder sb = new StringBuilder();
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(f("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H));
        sb.append(f("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H));
        sb.append(f("<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">%s</text>\n", W / 2, escape(title)));
        for (double t : xt) {
            double x = sx.at(t);
            sb.append(f("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e4e4\"/>\n", x, TOP, x, TOP + ph));
            sb.append(f("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n", x, TOP + ph, x, TOP + ph + 5));
            sb.append(f("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, TOP + ph + 19, label(t)));
        }
        for (double t : yt) {
            double y = sy.at(t);
            sb.append(f("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", LEFT, y, LEFT + pw, y));
            sb.append(f("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"black\"/>\n", LEFT - 5, y, LEFT, y));
            sb.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LEFT - 8, y + 4, label(t)));
        }
        sb.append(f("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"black\"/>\n", LEFT, TOP, pw, ph));
        sb.append(f("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">step</text>\n", LEFT + pw / 2, H - 12));
        sb.append(f("<text x=\"18\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 18 %d)\">loss</text>\n", TOP + ph / 2, TOP + ph / 2));
        polyline(sb, train, sx, sy, "#1f77b4");
        polyline(sb, eval, sx, sy, "#ff7f0e");
        for (double[] p : eval) {
            sb.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#ff7f0e\"/>\n", sx.at(p[0]), sy.at(p[1])));
        }
        int lx = LEFT + pw - 150, ly = TOP + 12;
        sb.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n", lx, ly, lx + 24, ly));
        sb.append(f("<text x=\"%d\" y=\"%d\">train loss</text>\n", lx + 30, ly + 4));
        sb.append(f("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ff7f0e\" stroke-width=\"2\"/>\n", lx, ly + 18, lx + 24, ly + 18));
        sb.append(f("<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"#ff7f0e\"/>\n", lx + 12, ly + 18));
        sb.append(f("<text x=\"%d\" y=\"%d\">eval loss</text>\n", lx + 30, ly + 22));
        sb.append("</svg>\n");
        return sb.toString();
    }

    private interface Scale {
        double at(double v);
    }

    private static void polyline(StringBuilder sb, List<double[]> pts, Scale sx, Scale sy, String color) {
        if (pts.isEmpty()) return;
        sb.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"1.5\" points=\"");
        for (double[] p : pts) sb.append(f("%.1f,%.1f ", sx.at(p[0]), sy.at(p[1])));
        sb.setLength(sb.length() - 1);
        sb.append("\"/>\n");
    }

    /** About {@code n} ticks covering [lo, hi], spaced 1, 2 or 5 × 10^k. */
    static double[] ticks(double lo, double hi, int n) {
        double raw = (hi - lo) / Math.max(1, n);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3 ? 2 * mag : raw / mag < 7 ? 5 * mag : 10 * mag;
        double start = Math.floor(lo / step) * step, end = Math.ceil(hi / step) * step;
        int count = (int) Math.round((end - start) / step) + 1;
        double[] t = new double[count];
        for (int i = 0; i < count; i++) t[i] = start + i * step;
        return t;
    }

    private static String label(double v) {
        if (Math.abs(v - Math.rint(v)) < 1e-9 && Math.abs(v) < 1e15) return Long.toString(Math.round(v));
        String s = String.format(Locale.ROOT, "%.4f", v);
        return s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String f(String fmt, Object... args) {
        return String.format(Locale.ROOT, fmt, args);
    }
}
