package dev.cortado.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits, with llama.cpp's samplers in llama.cpp's order: repetition
 * penalty over the last {@code repeatLastN} tokens (a positive logit is divided by the penalty, a
 * negative one multiplied, once per distinct token), then top-k, top-p (nucleus), min-p, and
 * temperature, then one draw from the remaining distribution. Temperature 0 (or below) is greedy:
 * the arg-max after the penalty. Draws come from a {@link SplittableRandom} seeded with
 * {@code seed}, so one seed gives one text. Buffers are allocated once per vocabulary size.
 */
public final class Sampler {
    /**
     * @param topK  keep the k most likely tokens (0 = all)
     * @param topP  keep the smallest set whose probability reaches p (1 = all)
     * @param minP  drop tokens less likely than minP × the most likely one (0 = none)
     * @param repeatPenalty 1 = none
     * @param repeatLastN   how many recent tokens the penalty looks at
     */
    public record Settings(float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN, long seed) {
        public static Settings greedy() {
            return new Settings(0f, 0, 1f, 0f, 1f, 64, 0);
        }

        public Settings {
            if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0: " + temperature);
            if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0: " + topK);
            if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1]: " + topP);
            if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min-p must be in [0, 1]: " + minP);
            if (!(repeatPenalty > 0) || Float.isInfinite(repeatPenalty)) throw new IllegalArgumentException("repeat penalty must be > 0: " + repeatPenalty);
            if (repeatLastN < 0) throw new IllegalArgumentException("repeat-last-n must be >= 0: " + repeatLastN);
        }
    }

    private final Settings settings;
    private final SplittableRandom random;
    private float[] work;
    private long[] order;
    private int[] ids;
    private float[] probs;
    private boolean[] seen;

    public Sampler(Settings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
    }

    public Settings settings() {
        return settings;
    }

    /**
     * The next token for {@code logits} (left untouched); {@code history[0..historyLength)} are the
     * tokens so far, of which the last {@code repeatLastN} are penalised.
     */
    public int sample(float[] logits, int[] history, int historyLength) {
        int V = logits.length;
        if (work == null || work.length != V) {
            work = new float[V];
            order = new long[V];
            ids = new int[V];
            probs = new float[V];
            seen = new boolean[V];
        }
        float[] l = work;
        System.arraycopy(logits, 0, l, 0, V);
        applyRepeatPenalty(l, history, historyLength);
        if (settings.temperature() <= 0f) return argmax(l);

        // Candidates, most likely first. Only a prefix of the sorted vocabulary can survive top-k and
        // min-p, so just that prefix is selected and sorted (keys: order-preserving float bits, then the id).
        float max = l[argmax(l)];
        float cutoff = settings.minP() > 0f ? max + (float) Math.log(settings.minP()) - 1e-6f : Float.NEGATIVE_INFINITY;
        int k = settings.topK() > 0 ? Math.min(settings.topK(), V) : V;
        // the k largest logits all lie at or above kFloor: top-k selects among those only
        float kFloor = k < V ? floorHolding(l, max, k) : Float.NEGATIVE_INFINITY;
        // softmax before temperature, over the top-k set (or the vocabulary), as llama.cpp's top-p and min-p see it
        double sum = 0;
        if (k == V) {
            for (int i = 0; i < V; i++) sum += Math.exp(l[i] - max);
        }
        // Without top-k, top-p needs only the sorted prefix that holds its mass: the logits within some
        // distance of the max (a prefix of the sorted order) when they reach p (a full sort of a 50k
        // vocabulary costs ~4 ms a token; the prefix is usually a few tokens).
        float floor = cutoff;
        if (k == V && settings.topP() < 1f) floor = Math.max(cutoff, nucleusFloor(l, max, cutoff, sum));
        int n = candidates(l, floor, k, kFloor);
        if (n < 0) {  // min-p removed some of the top k: the normaliser still spans all k
            n = -n;
            sum = topKSum(l, k, max, kFloor);
        } else if (k < V) {
            for (int r = 0; r < n; r++) sum += Math.exp(l[ids[r]] - max);
        }
        for (int r = 0; r < n; r++) probs[r] = (float) Math.exp(l[ids[r]] - max);
        if (settings.topP() < 1f) {
            double cum = 0;
            int all = n;
            for (int r = 0; r < n; r++) {
                cum += probs[r] / sum;
                if (cum >= settings.topP()) {
                    n = r + 1;
                    break;
                }
            }
            if (n == all && floor > cutoff) {  // rounding left the prefix short of p: every candidate, sorted
                n = candidates(l, cutoff, k, kFloor);
                for (int r = 0; r < n; r++) probs[r] = (float) Math.exp(l[ids[r]] - max);
                cum = 0;
                for (int r = 0; r < n; r++) {
                    cum += probs[r] / sum;
                    if (cum >= settings.topP()) {
                        n = r + 1;
                        break;
                    }
                }
            }
        }
        // temperature, then draw
        sum = 0;
        float inv = 1f / settings.temperature();
        for (int r = 0; r < n; r++) sum += probs[r] = (float) Math.exp((l[ids[r]] - max) * inv);
        double u = random.nextDouble() * sum, cum = 0;
        for (int r = 0; r < n; r++) {
            cum += probs[r];
            if (u < cum) return ids[r];
        }
        return ids[n - 1];
    }

    /**
     * ids[0..n) = the tokens whose logit is at least {@code floor}, at most the k largest (all at or above
     * {@code kFloor}), most likely first (ties: lowest id first). Returns n, or -n when top-k is on and fewer
     * than k passed the floor.
     */
    private int candidates(float[] l, float floor, int k, float kFloor) {
        int V = l.length, m = 0;
        float f = Math.max(floor, kFloor);
        for (int i = 0; i < V; i++) if (l[i] >= f) order[m++] = ((long) sortable(l[i]) << 32) | (V - 1 - i);
        boolean fewer = k < V && m < k;
        if (m > k) {
            selectLargest(order, m, k);
            m = k;
        }
        Arrays.sort(order, 0, m);
        for (int r = 0; r < m; r++) ids[r] = V - 1 - (int) (order[m - 1 - r] & 0xffffffffL);
        return fewer ? -m : m;
    }

    /**
     * A logit floor above {@code cutoff} whose tokens hold more than top-p of the mass {@code sum} (so the
     * nucleus, a prefix of the sorted order, lies above it), or {@code cutoff} when none is found: floors
     * of max - 1, 2, 4, ... 32, one pass over the vocabulary each, while they keep few enough tokens to pay.
     */
    private float nucleusFloor(float[] l, float max, float cutoff, double sum) {
        double need = settings.topP() * sum * (1 + 1e-6);  // margin for the float rounding of the probabilities
        for (float d = 1; d <= 32; d *= 2) {
            float floor = max - d;
            if (floor <= cutoff) return cutoff;
            double mass = 0;
            int count = 0;
            for (float x : l) {
                if (x >= floor) {
                    mass += Math.exp(x - max);
                    count++;
                }
            }
            if (mass >= need) return floor;
            if (count > l.length / 4) return cutoff;  // a flat distribution: sort it all
        }
        return cutoff;
    }

    /**
     * A floor that at least k logits reach, as high as a few counting passes find (max - 1, 2, 4, ... 32),
     * else -infinity: the k largest logits all lie at or above it.
     */
    private static float floorHolding(float[] l, float max, int k) {
        for (float d = 1; d <= 32; d *= 2) {
            float floor = max - d;
            int count = 0;
            for (float x : l) if (x >= floor) count++;
            if (count >= k) return floor;
        }
        return Float.NEGATIVE_INFINITY;
    }

    /** Moves the k largest of a[0..n) to a[0..k) (unordered): quickselect. */
    private static void selectLargest(long[] a, int n, int k) {
        int lo = 0, hi = n - 1;
        while (lo < hi) {
            long pivot = a[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j) {
                while (a[i] > pivot) i++;
                while (a[j] < pivot) j--;
                if (i <= j) {
                    long t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            if (k - 1 <= j) hi = j;
            else if (k - 1 >= i) lo = i;
            else return;
        }
    }

    /**
     * Sum of exp(l - max) over the k largest logits (used when min-p cut inside the top k), selected among
     * the logits at or above kFloor (see {@link #floorHolding}).
     */
    private double topKSum(float[] l, int k, float max, float kFloor) {
        int V = l.length, m = 0;
        for (int i = 0; i < V; i++) if (l[i] >= kFloor) order[m++] = ((long) sortable(l[i]) << 32) | (V - 1 - i);
        selectLargest(order, m, k);
        double sum = 0;
        for (int r = 0; r < k; r++) sum += Math.exp(l[V - 1 - (int) (order[r] & 0xffffffffL)] - max);
        return sum;
    }

    private void applyRepeatPenalty(float[] l, int[] history, int len) {
        float p = settings.repeatPenalty();
        if (p == 1f || settings.repeatLastN() == 0 || len == 0) return;
        int from = Math.max(0, len - settings.repeatLastN());
        for (int i = from; i < len; i++) {
            int id = history[i];
            if (id < 0 || id >= l.length || seen[id]) continue;
            seen[id] = true;
            l[id] = l[id] > 0 ? l[id] / p : l[id] * p;
        }
        for (int i = from; i < len; i++) if (history[i] >= 0 && history[i] < l.length) seen[history[i]] = false;
    }

    /** The index of the largest value; the lowest index among equals. */
    public static int argmax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
        return best;
    }

    /** Float bits mapped so that signed-int order equals float order. */
    private static int sortable(float f) {
        int b = Float.floatToIntBits(f);
        return b ^ ((b >> 31) & 0x7fffffff);
    }
}
