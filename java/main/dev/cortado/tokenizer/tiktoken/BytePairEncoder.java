package dev.cortado.tokenizer.tiktoken;

/**
 * tiktoken's byte-pair merge over one piece: repeatedly merge the adjacent pair whose concatenated
 * bytes have the lowest rank (the leftmost of equal ranks) until no pair is a token. A piece that is
 * itself a token takes one lookup; short pieces merge in small arrays (quadratic, but tiny and
 * cache-friendly); long ones with a heap and a linked list, O(n log n), so a megabyte without a
 * break is not quadratic. One instance per encoding call: it holds scratch arrays.
 */
final class BytePairEncoder {
    /** Pieces up to this many bytes use the array merge. */
    static final int SMALL = 96;
    /** Pieces of at least this many bytes use the bucket queue. */
    static final int HUGE = 1 << 15;
    private static final int NONE = Integer.MAX_VALUE;

    private final RankTable ranks;
    private final int[] byteRanks;
    private final int maxTokenLength;
    private final int[] starts = new int[SMALL + 1];
    private final int[] pairRanks = new int[SMALL];
    private final int[] partRanks = new int[SMALL];

    BytePairEncoder(RankTable ranks, int[] byteRanks, int maxTokenLength) {
        this.ranks = ranks;
        this.byteRanks = byteRanks;
        this.maxTokenLength = maxTokenLength;
    }

    void encode(byte[] b, int from, int to, IdList out) {
        int n = to - from;
        if (n == 1) {
            out.add(byteRanks[b[from] & 0xFF]);
            return;
        }
        if (n <= maxTokenLength) {
            int whole = ranks.rank(b, from, to);
            if (whole != RankTable.NONE) {
                out.add(whole);
                return;
            }
        }
        if (n <= SMALL) mergeSmall(b, from, n, out);
        else if (n < HUGE || maxTokenLength > 0xFFFF) mergeLarge(b, from, n, out);
        else mergeHuge(b, from, n, out);
    }

    /** The merge by one chosen method (0 small, 1 heap, 2 buckets), for tests that compare them. */
    void encodeWith(int method, byte[] b, int from, int to, IdList out) {
        if (to - from == 1) out.add(byteRanks[b[from] & 0xFF]);
        else if (method == 0) mergeSmall(b, from, to - from, out);
        else if (method == 1) mergeLarge(b, from, to - from, out);
        else mergeHuge(b, from, to - from, out);
    }

    private int rank(byte[] b, int from, int to) {
        if (to - from > maxTokenLength) return NONE;
        int r = ranks.rank(b, from, to);
        return r == RankTable.NONE ? NONE : r;
    }

    private void mergeSmall(byte[] b, int from, int n, IdList out) {
        int[] st = starts, pr = pairRanks, parts = partRanks;
        for (int k = 0; k <= n; k++) st[k] = from + k;
        for (int k = 0; k < n; k++) parts[k] = byteRanks[b[from + k] & 0xFF];
        for (int k = 0; k < n - 1; k++) pr[k] = rank(b, st[k], st[k + 2]);
        int m = n; // parts
        while (m > 1) {
            int best = NONE, k = -1;
            for (int j = 0; j < m - 1; j++) {
                if (pr[j] < best) {
                    best = pr[j];
                    k = j;
                }
            }
            if (k < 0) break;
            // parts k and k+1 become one
            parts[k] = best;
            System.arraycopy(st, k + 2, st, k + 1, m - k - 1);
            System.arraycopy(parts, k + 2, parts, k + 1, m - k - 2);
            System.arraycopy(pr, k + 2, pr, k + 1, Math.max(0, m - k - 3));
            m--;
            pr[k] = k + 1 < m ? rank(b, st[k], st[k + 2]) : NONE;
            if (k > 0) pr[k - 1] = rank(b, st[k - 1], st[k + 1]);
        }
        for (int k = 0; k < m; k++) out.add(parts[k]);
    }

    private void mergeLarge(byte[] b, int from, int n, IdList out) {
        int[] next = new int[n], prev = new int[n], pair = new int[n], part = new int[n];
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i < n; i++) {
            next[i] = i + 1;
            prev[i] = i - 1;
            part[i] = byteRanks[b[from + i] & 0xFF];
        }
        for (int i = 0; i < n - 1; i++) {
            pair[i] = rank(b, from + i, from + i + 2);
            if (pair[i] != NONE) heap.push(((long) pair[i] << 32) | i);
        }
        pair[n - 1] = NONE;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int r = (int) (top >>> 32), i = (int) top;
            if (pair[i] != r) continue; // stale: the pair at i changed or i was merged away
            int j = next[i];
            int after = next[j];
            part[i] = r;
            pair[j] = NONE;
            next[i] = after;
            if (after < n) prev[after] = i;
            pair[i] = after < n ? rank(b, from + i, from + next[after]) : NONE;
            if (pair[i] != NONE) heap.push(((long) pair[i] << 32) | i);
            int p = prev[i];
            if (p >= 0) {
                int pr = rank(b, from + p, from + after);
                if (pr != pair[p]) {
                    pair[p] = pr;
                    if (pr != NONE) heap.push(((long) pr << 32) | p);
                }
            }
        }
        for (int i = 0; i < n; i = next[i]) out.add(part[i]);
    }

    /**
     * The same merge with a bucket queue on rank instead of a heap: ranks are processed in increasing
     * order, each bucket's positions left to right (sorted when the bucket comes up, which pushes in
     * position order make cheap). A pair whose rank is not above the bucket being processed (which a
     * BPE vocabulary rarely makes, as a merged token ranks after its parts) goes to a small heap that
     * competes with the bucket, so the order is exactly (rank, position) as in the heap merge.
     * A megabyte of letters takes hundreds of thousands of merges at scattered positions, so memory
     * traffic decides the speed: a node is two ints side by side (its links as part lengths, and its
     * pair's rank; parts are looked up again at the end), and the first pairs go into the buckets by
     * a counting sort, so that each bucket's initial positions lie together and in order.
     */
    private void mergeHuge(byte[] b, int from, int n, IdList out) {
        // node i at nd[2i]: the byte lengths of the part at i (low 16 bits) and of the part before it
        // (high 16; 0 at the start), then at nd[2i + 1] the rank of the pair (i, next) or NONE.
        // Every part is a token, so lengths fit (encode sends longer tokens to the heap).
        int[] nd = new int[2 * n];
        for (int i = 0; i < n; i++) nd[2 * i] = i == 0 ? 1 : 0x10001;
        for (int i = 0; i < n - 1; i++) nd[2 * i + 1] = rank(b, from + i, from + i + 2);
        nd[2 * n - 1] = NONE;
        Buckets q = new Buckets(ranks.limit(), nd, n);
        while (true) {
            long top = q.pop();
            if (top < 0) break;
            int r = (int) (top >>> 32), i = (int) top;
            if (nd[2 * i + 1] != r) continue; // stale: the pair at i changed or i was merged away
            int links = nd[2 * i];
            int j = i + (links & 0xFFFF);
            int after = j + (nd[2 * j] & 0xFFFF);
            int len = after - i;
            nd[2 * i] = (links & 0xFFFF0000) | len;
            nd[2 * j + 1] = NONE;
            int pi;
            if (after < n) {
                int la = nd[2 * after];
                nd[2 * after] = (len << 16) | (la & 0xFFFF);
                pi = rank(b, from + i, from + after + (la & 0xFFFF));
            } else pi = NONE;
            nd[2 * i + 1] = pi;
            if (pi != NONE) q.push(pi, i);
            if (links >>> 16 != 0) {
                int p = i - (links >>> 16);
                int pr = rank(b, from + p, from + after);
                if (pr != nd[2 * p + 1]) {
                    nd[2 * p + 1] = pr;
                    if (pr != NONE) q.push(pr, p);
                }
            }
        }
        for (int i = 0; i < n; ) {
            int next = i + (nd[2 * i] & 0xFFFF);
            out.add(next - i == 1 ? byteRanks[b[from + i] & 0xFF] : ranks.rank(b, from + i, from + next));
            i = next;
        }
    }

    /**
     * Buckets of positions by rank, plus the heap for out-of-order pushes. The initial pairs fill
     * the pool by a counting sort (each bucket one ascending run); later pushes are linked in.
     * Entry e is pool[2e] (position) and pool[2e + 1] (next entry of its bucket, or -1); bucket r
     * is ends[2r] (first entry, or -1) and ends[2r + 1] (last entry).
     */
    private static final class Buckets {
        private final int[] ends;
        private final int limit;
        private int[] pool;
        private int used;
        private final LongHeap late = new LongHeap(16);
        private int cur = -1;
        private int[] list = new int[64];
        private int listLen, listIdx;

        /** Buckets for ranks below {@code limit}, holding every pair rank of the nodes {@code nd}. */
        Buckets(int limit, int[] nd, int n) {
            this.limit = limit;
            ends = new int[2 * limit];
            int[] start = new int[limit + 1];
            for (int i = 0; i < n - 1; i++) {
                int r = nd[2 * i + 1];
                if (r != NONE) start[r + 1]++;
            }
            for (int r = 0; r < limit; r++) start[r + 1] += start[r];
            int initial = start[limit];
            pool = new int[2 * Math.max(16, initial + n)];
            for (int r = 0; r < limit; r++) {
                if (start[r] == start[r + 1]) {
                    ends[2 * r] = -1;
                } else {
                    ends[2 * r] = start[r];
                    ends[2 * r + 1] = start[r + 1] - 1;
                }
            }
            for (int i = 0; i < n - 1; i++) {
                int r = nd[2 * i + 1];
                if (r == NONE) continue;
                int e = start[r]++;
                pool[2 * e] = i;
                pool[2 * e + 1] = e + 1;
            }
            for (int r = 0; r < limit; r++) if (ends[2 * r] >= 0) pool[2 * ends[2 * r + 1] + 1] = -1;
            used = initial;
        }

        void push(int rank, int p) {
            if (rank <= cur) {
                late.push(((long) rank << 32) | p);
                return;
            }
            if (2 * used == pool.length) pool = java.util.Arrays.copyOf(pool, 4 * used);
            pool[2 * used] = p;
            pool[2 * used + 1] = -1;
            if (ends[2 * rank] < 0) ends[2 * rank] = used;
            else pool[2 * ends[2 * rank + 1] + 1] = used;
            ends[2 * rank + 1] = used++;
        }

        /** The least (rank, position) as rank << 32 | position, or -1 when empty. */
        long pop() {
            if (listIdx == listLen) advance();
            long fromBucket = listIdx < listLen ? ((long) cur << 32) | list[listIdx] : Long.MAX_VALUE;
            if (!late.isEmpty() && late.peek() < fromBucket) return late.pop();
            if (fromBucket == Long.MAX_VALUE) return -1;
            listIdx++;
            return fromBucket;
        }

        private void advance() {
            int c = cur + 1;
            while (c < limit && ends[2 * c] < 0) c++;
            cur = c;
            listLen = listIdx = 0;
            if (c == limit) return;
            boolean sorted = true;
            for (int e = ends[2 * c]; e >= 0; e = pool[2 * e + 1]) {
                if (listLen == list.length) list = java.util.Arrays.copyOf(list, listLen * 2);
                int p = pool[2 * e];
                if (listLen > 0 && p < list[listLen - 1]) sorted = false;
                list[listLen++] = p;
            }
            if (!sorted) java.util.Arrays.sort(list, 0, listLen);
        }
    }

    /** A binary min-heap of longs (rank in the high half, so ties go to the leftmost position). */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(16, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == a.length) a = java.util.Arrays.copyOf(a, a.length * 2);
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (a[p] <= v) break;
                a[i] = a[p];
                i = p;
            }
            a[i] = v;
        }

        long peek() {
            return a[0];
        }

        long pop() {
            long top = a[0];
            long v = a[--size];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= size) break;
                if (c + 1 < size && a[c + 1] < a[c]) c++;
                if (a[c] >= v) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = v;
            return top;
        }
    }
}
