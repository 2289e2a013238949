// Causal grouped-query attention against an f16 KV cache. Compiled once per ISA (see Makefile).
//
// KV cache layout, one layer: kc, vc (KVH, ctx, D) f16 — head-major, so one KV head's keys are one
// contiguous run that a decode step streams once (half the bytes of the f32 cache of attention.cpp,
// which is what a long context's decode step is bound by). Keys are stored after RoPE. Query head h
// reads KV head h / (H / KVH). The arithmetic is f32: K/V tiles are converted into small f32 scratch
// once and go through the same tile math as attention_forward_f32 (attention_tile.h).
#include <math.h>
#include <string.h>

#include <memory>
#include <vector>

#include "common.h"
#include "isa.h"
#include "simd.h"
#include "attention_tile.h"
#include "team.h"

namespace CORTADO_NS {

using namespace cortado;
using namespace cortado_simd;
using namespace attention_tile;

static const int64_t DECODE_MAX_T = 3;  // up to this many tokens take the key-chunked decode path
static const int64_t CH = 128;          // keys per decode work item
static const int64_t PF_KEYS = 32;      // keys a decode item fetches ahead (4 KB at D = 64): 2 x 128 x D floats of scratch stay in L2

// y (n) = x (n) f16 -> f32, exactly (F16C when the build has it: the same values as f16_to_f32).
static inline void h2f(const uint16_t *x, float *y, int64_t n) {
    int64_t i = 0;
#if defined(__F16C__)
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))));
#endif
    for (; i < n; i++) y[i] = f16_to_f32(x[i]);
}

// h2f for a chunk streamed from memory (decoding reads the whole cache once per token, from DRAM: the
// hardware prefetchers stop at each 4 KB page of a 16 KB chunk): a cache line 2 KB ahead per line.
static inline void h2f_stream(const uint16_t *x, float *y, int64_t n) {
    int64_t i = 0;
#if defined(__F16C__)
    for (; i + 32 <= n; i += 32) {
        _mm_prefetch((const char *)(x + i + 1024), _MM_HINT_T0);
        for (int k = 0; k < 32; k += 8) _mm256_storeu_ps(y + i + k, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i + k))));
    }
#endif
    h2f(x + i, y + i, n - i);
}

// y (n) = x (n) f32 -> f16, round to nearest even (F16C and f32_to_f16 give the same bits).
static inline void f2h(const float *x, uint16_t *y, int64_t n) {
    int64_t i = 0;
#if defined(__F16C__)
    for (; i + 8 <= n; i += 8) {
        _mm_storeu_si128((__m128i *)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    }
#endif
    for (; i < n; i++) y[i] = f32_to_f16(x[i]);
}

// k, v (T, KVH, D) f32 -> kc, vc (KVH, ctx, D) f16 at positions pos .. pos+T-1.
void kv_store_f16(uint16_t *kc, uint16_t *vc, const float *k, const float *v, int64_t T, int64_t pos, int64_t KVH,
                  int64_t D, int64_t ctx, int threads) {
#pragma omp parallel for num_threads(threads_for(T * KVH * D, 1 << 14, threads)) schedule(static)
    for (int64_t i = 0; i < T * KVH; i++) {
        const int64_t t = i / KVH, g = i % KVH;
        const int64_t at = (g * ctx + pos + t) * D;
        f2h(k + i * D, kc + at, D);
        f2h(v + i * D, vc + at, D);
    }
}

// Re-rotates the keys at positions [start, start + count) of every KV head in place: position
// start + i turns by pos[i] (a context shift passes -discard for each). Through f32 scratch and
// rope_forward_f32, then rounded back to f16.
void kv_rope_f16(uint16_t *kc, const int32_t *pos, int64_t start, int64_t count, int64_t KVH, int64_t D, int64_t ctx,
                 float theta, float freq_scale, const float *freq_factors, int neox, int threads) {
    std::unique_ptr<float[]> x(new float[(size_t)(count * D)]);
    for (int64_t g = 0; g < KVH; g++) {
        uint16_t *kh = kc + (g * ctx + start) * D;
        h2f(kh, x.get(), count * D);
        rope_forward_f32(x.get(), pos, count, 1, D, theta, freq_scale, freq_factors, neox, threads);
        f2h(x.get(), kh, count * D);
    }
}

void kv_store_head_f16(uint16_t *kc, uint16_t *vc, const float *k, const float *v, int64_t g, int64_t pos, int64_t D,
                       int64_t ctx) {
    f2h(k, kc + (g * ctx + pos) * D, D);
    f2h(v, vc + (g * ctx + pos) * D, D);
}

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
// Scores of R query rows q (R x D) against KP consecutive keys k (KP x D f16), times sc, into s[r * CH + i].
// KP * R accumulators, one key in a register at a time: R q vectors + 1 key + R * KP sums fit the 16
// registers for (R, KP) = (1, 8), (2, 4), (3, 4), (4, 2). KP is 1, 2 or a multiple of 4; each 4 sums of
// a row reduce with three hadds to one vector of 4 scores (per key, a quarter of a lone key's reduction).
template <int R, int KP>
static inline void scores_f16(const float *q, const uint16_t *k, int64_t D, float sc, float *s) {
    __m256 a[R][KP];
    CORTADO_UNROLL for (int r = 0; r < R; r++) CORTADO_UNROLL for (int i = 0; i < KP; i++) a[r][i] = _mm256_setzero_ps();
    for (int64_t d = 0; d < D; d += 8) {
        __m256 qv[R];
        CORTADO_UNROLL for (int r = 0; r < R; r++) qv[r] = _mm256_loadu_ps(q + r * D + d);
        CORTADO_UNROLL for (int i = 0; i < KP; i++) {
            const __m256 kv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + i * D + d)));
            CORTADO_UNROLL for (int r = 0; r < R; r++) a[r][i] = _mm256_fmadd_ps(qv[r], kv, a[r][i]);
        }
    }
    CORTADO_UNROLL for (int r = 0; r < R; r++) {
        if (KP == 1) {
            s[r * CH] = hsum256(a[r][0]) * sc;
        } else if (KP == 2) {
            const __m256 h = _mm256_hadd_ps(a[r][0], a[r][KP - 1]);  // a0 01 23, a1 01 23, a0 45 67, a1 45 67
            __m128 x = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
            x = _mm_mul_ps(_mm_hadd_ps(x, x), _mm_set1_ps(sc));  // a0, a1, a0, a1
            _mm_storel_pi((__m64 *)(s + r * CH), x);
        } else {
            // per 4 keys: hadd(hadd(a0, a1), hadd(a2, a3)) holds each key's sum of its low and high halves
            __m128 x[KP / 4 > 0 ? KP / 4 : 1];
            CORTADO_UNROLL for (int i = 0; i + 3 < KP; i += 4) {
                const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a[r][i], a[r][i + 1]), _mm256_hadd_ps(a[r][i + 2], a[r][i + 3]));
                x[i / 4] = _mm_mul_ps(_mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)), _mm_set1_ps(sc));
            }
            CORTADO_UNROLL for (int i = 0; i + 3 < KP; i += 4) _mm_storeu_ps(s + r * CH + i, x[i / 4]);
        }
    }
}

// acc (R x D) = c[r] * acc + Σ_j s[r * CH + j] v_j over nk values v (nk x D f16), VC * 8 columns of the
// R rows in registers per pass over the values: R * VC sums + R broadcast weights + 1 value fit the 16
// registers for (R, VC) = (1, 4), (2, 4), (3, 4), (4, 2).
template <int R, int VC>
static inline void values_f16(const uint16_t *v, int64_t nk, int64_t D, const float *c, const float *s, float *acc) {
    for (int64_t d = 0; d < D; d += 8 * VC) {
        __m256 o[R][VC];
        CORTADO_UNROLL for (int r = 0; r < R; r++) {
            const __m256 cv = _mm256_set1_ps(c[r]);
            CORTADO_UNROLL for (int u = 0; u < VC; u++) o[r][u] = _mm256_mul_ps(cv, _mm256_loadu_ps(acc + r * D + d + 8 * u));
        }
        for (int64_t j = 0; j < nk; j++) {
            __m256 p[R];
            CORTADO_UNROLL for (int r = 0; r < R; r++) p[r] = _mm256_broadcast_ss(s + r * CH + j);
            CORTADO_UNROLL for (int u = 0; u < VC; u++) {
                const __m256 vv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + j * D + d + 8 * u)));
                CORTADO_UNROLL for (int r = 0; r < R; r++) o[r][u] = _mm256_fmadd_ps(p[r], vv, o[r][u]);
            }
        }
        CORTADO_UNROLL for (int r = 0; r < R; r++) {
            CORTADO_UNROLL for (int u = 0; u < VC; u++) _mm256_storeu_ps(acc + r * D + d + 8 * u, o[r][u]);
        }
    }
}

// One token's decode work item straight from the f16 cache (D a multiple of 16): R <= 4 query rows q
// (R x D, the consecutive heads of one KV head) against nk keys k and values v (nk x D f16 each), as
// tile_rows computes them but without the f32 copy of the tile: KP keys per pass over q for the scores
// (scores_f16), then one online-softmax step per row and one pass over the values (values_f16; the
// chunk's values stay in L1/L2). Row r's running max, sum and unnormalised output acc (R x D) are
// updated; s: R x CH floats.
template <int R>
static void item_rows_f16(const float *q, const uint16_t *k, const uint16_t *v, int64_t nk, int64_t D, float sc,
                          float *acc, float *mx, float *sum, float *s) {
    constexpr int KP = R == 1 ? 8 : R <= 3 ? 4 : 2;
    // The cache streams from memory: each value is fetched as its key is scored (so the values are in
    // cache when the scores are done: -25% time at 576 positions against fetching neither), the keys
    // PF_KEYS ahead, every line of both.
    int64_t j = 0;
    for (; j + KP <= nk; j += KP) {
        for (int64_t o = 0; o < KP * D; o += 32) {  // 32 halves: a 64-byte line
            _mm_prefetch((const char *)(k + (j + PF_KEYS) * D + o), _MM_HINT_T0);
            _mm_prefetch((const char *)(v + j * D + o), _MM_HINT_T0);
        }
        scores_f16<R, KP>(q, k + j * D, D, sc, s + j);
    }
    for (; j + 2 <= nk; j += 2) scores_f16<R, 2>(q, k + j * D, D, sc, s + j);
    if (j < nk) scores_f16<R, 1>(q, k + j * D, D, sc, s + j);
    float c[R];
    CORTADO_UNROLL for (int r = 0; r < R; r++) c[r] = softmax_step(s + r * CH, nk, nk, mx[r], sum[r]);
    if (R < 4 && D % 32 == 0) values_f16<R, 4>(v, nk, D, c, s, acc);
    else values_f16<R, 2>(v, nk, D, c, s, acc);
}

// The rows of one token's work item in blocks of up to 4 (item_rows_f16); false when D is not a multiple of 16.
static bool item_f16(const float *q, const uint16_t *k, const uint16_t *v, int64_t rows, int64_t nk, int64_t D, float sc,
                     float *acc, float *mx, float *sum, float *s) {
    if (D % 16 != 0) return false;
    for (int64_t r = 0; r < rows; r += 4) {
        const float *qr = q + r * D;
        float *ar = acc + r * D;
        switch (rows - r < 4 ? rows - r : 4) {
            case 1: item_rows_f16<1>(qr, k, v, nk, D, sc, ar, mx + r, sum + r, s); break;
            case 2: item_rows_f16<2>(qr, k, v, nk, D, sc, ar, mx + r, sum + r, s); break;
            case 3: item_rows_f16<3>(qr, k, v, nk, D, sc, ar, mx + r, sum + r, s); break;
            default: item_rows_f16<4>(qr, k, v, nk, D, sc, ar, mx + r, sum + r, s); break;
        }
    }
    return true;
}
#else
static bool item_f16(const float *, const uint16_t *, const uint16_t *, int64_t, int64_t, int64_t, float, float *, float *,
                     float *, float *) {
    return false;
}
#endif

// Decode: T <= DECODE_MAX_T tokens. Work items are (KV head g, chunk c of CH keys); an item converts
// its chunk's K and V to f32 once and runs every row (token, query head of group g) over it, leaving
// per row a running max, sum and unnormalised output. After the barrier each row merges its chunks'
// partials in chunk order. The chunking depends on pos and T only, so any thread count gives the
// same bits; every K/V byte is read once per step, and no KV head is split by query head.
// Shared scratch (decode_scratch floats): pacc (items, rows, D), then pmx, psum (items, rows).
static void decode_f16kv_team(float *out, const float *q, const uint16_t *kc, const uint16_t *vc, int64_t T,
                              int64_t pos, int64_t H, int64_t KVH, int64_t D, int64_t ctx, float sc, float *scratch) {
    const int64_t group = H / KVH, rows = T * group;
    const int64_t n = pos + T;  // keys the last token sees
    const int64_t chunks = (n + CH - 1) / CH, items = KVH * chunks;
    float *pacc = scratch, *pmx = pacc + items * rows * D, *psum = pmx + items * rows;
    float s[4 * CH], s2[CH];
    std::unique_ptr<float[]> tile;  // this thread's f32 K and V chunk, made when first needed
#pragma omp for schedule(dynamic, 1)
    for (int64_t it = 0; it < items; it++) {
        const int64_t g = it % KVH, j0 = (it / KVH) * CH;
        const int64_t nk = j0 + CH < n ? CH : n - j0;
        const uint16_t *kt = kc + (g * ctx + j0) * D, *vt = vc + (g * ctx + j0) * D;
        float *acc = pacc + it * rows * D, *mx = pmx + it * rows, *sum = psum + it * rows;
        for (int64_t r = 0; r < rows; r++) mx[r] = -INFINITY, sum[r] = 0.0f;
        memset(acc, 0, (size_t)(rows * D) * sizeof(float));
        // one token: its rows are the consecutive query heads of KV head g, and all see every key
        if (T == 1 && item_f16(q + g * group * D, kt, vt, rows, nk, D, sc, acc, mx, sum, s)) continue;
        // several tokens, or D not a multiple of 16: the chunk converted to f32 once, then the f32 tile math
        if (!tile) tile.reset(new float[(size_t)(2 * CH * D)]);
        float *kf = tile.get(), *vf = kf + CH * D;
        h2f_stream(kt, kf, nk * D);
        h2f_stream(vt, vf, nk * D);
        tile_rows(q, H, D, sc, pos, 0, g, group, rows, kf, vf, D, j0, nk, acc, mx, sum, s, s2);
    }
    // (the implicit barrier of the omp for: every partial is written)
#pragma omp for schedule(static)
    for (int64_t i = 0; i < T * H; i++) {
        const int64_t t = i / H, h = i % H, g = h / group, r = t * group + h % group;
        float m = -INFINITY;
        for (int64_t c = 0; c < chunks; c++) {
            const float mc = pmx[(size_t)((c * KVH + g) * rows + r)];
            m = mc > m ? mc : m;
        }
        float *o = out + i * D;
        memset(o, 0, (size_t)D * sizeof(float));
        float l = 0.0f;
        for (int64_t c = 0; c < chunks; c++) {
            const int64_t at = (c * KVH + g) * rows + r;
            if (pmx[(size_t)at] == -INFINITY) continue;  // the row sees none of this chunk's keys
            const float f = expf(pmx[(size_t)at] - m);
            l += f * psum[(size_t)at];
            axpy(o, f, pacc + at * D, D);
        }
        scale(o, 1.0f / l, D);
    }
}

// Floats of shared scratch decode_f16kv_team needs for T tokens at pos: pacc, then pmx, then psum.
static int64_t decode_scratch(int64_t T, int64_t pos, int64_t H, int64_t KVH, int64_t D) {
    const int64_t items = KVH * ((pos + T + CH - 1) / CH), rows = T * (H / KVH);
    return items * rows * (D + 2);
}

static void decode_f16kv(float *out, const float *q, const uint16_t *kc, const uint16_t *vc, int64_t T, int64_t pos,
                         int64_t H, int64_t KVH, int64_t D, int64_t ctx, float sc, int threads) {
    std::unique_ptr<float[]> scratch(new float[(size_t)decode_scratch(T, pos, H, KVH, D)]);
#pragma omp parallel num_threads(threads_for(H * (pos + T) * D, 1 << 14, threads))
    decode_f16kv_team(out, q, kc, vc, T, pos, H, KVH, D, ctx, sc, scratch.get());
}

int64_t attention_decode_scratch_f16kv(int64_t pos, int64_t H, int64_t KVH, int64_t D) {
    return decode_scratch(1, pos, H, KVH, D);
}

void attention_decode_f16kv_team(float *out, const float *q, const uint16_t *kc, const uint16_t *vc, int64_t pos,
                                 int64_t H, int64_t KVH, int64_t D, int64_t ctx, float *scratch) {
    decode_f16kv_team(out, q, kc, vc, 1, pos, H, KVH, D, ctx, 1.0f / sqrtf((float)D), scratch);
}

// out (T, H, D) = softmax(q kᵀ / sqrt(D)) v for T new tokens at positions pos .. pos+T-1 (token t
// sees keys [0, pos + t]); q (T, H, D); kc, vc the layer's f16 cache (KVH, ctx, D) holding positions
// [0, pos + T). Prefill (T > DECODE_MAX_T): the flash-attention tiles of attention_forward_f32 —
// BQ tokens x the heads of one KV head against BK keys at a time — with each K/V tile converted to
// f32 scratch once per work item.
void attention_forward_f16kv(float *out, const float *q, const uint16_t *kc, const uint16_t *vc, int64_t T,
                             int64_t pos, int64_t H, int64_t KVH, int64_t D, int64_t ctx, int threads) {
    const float sc = 1.0f / sqrtf((float)D);
    if (T <= DECODE_MAX_T) {
        decode_f16kv(out, q, kc, vc, T, pos, H, KVH, D, ctx, sc, threads);
        return;
    }
    const int64_t group = H / KVH;
    const int64_t qblocks = (T + BQ - 1) / BQ;
    const int64_t items = KVH * qblocks;
#pragma omp parallel num_threads(threads_for(items * BQ * (pos + T) * D, 1 << 16, threads))
    {
        const int64_t rows = BQ * group;
        std::vector<float> acc((size_t)(rows * D)), mx((size_t)rows), sum((size_t)rows), s((size_t)BK), s2((size_t)BK);
        std::vector<float> kf((size_t)(BK * D)), vf((size_t)(BK * D));
#pragma omp for schedule(dynamic, 1)
        for (int64_t it = 0; it < items; it++) {
            const int64_t g = it % KVH, t0 = (it / KVH) * BQ;
            const int64_t t1 = t0 + BQ < T ? t0 + BQ : T;
            const int64_t nrows = (t1 - t0) * group;
            for (int64_t r = 0; r < nrows; r++) {
                mx[r] = -INFINITY;
                sum[r] = 0.0f;
            }
            for (int64_t i = 0; i < nrows * D; i++) acc[i] = 0.0f;
            const int64_t nkeys = pos + t1;  // the last token of the tile sees keys [0, pos + t1)
            for (int64_t j0 = 0; j0 < nkeys; j0 += BK) {
                const int64_t nk = j0 + BK < nkeys ? BK : nkeys - j0;
                h2f(kc + (g * ctx + j0) * D, kf.data(), nk * D);
                h2f(vc + (g * ctx + j0) * D, vf.data(), nk * D);
                tile_rows(q, H, D, sc, pos, t0, g, group, nrows, kf.data(), vf.data(), D, j0, nk, acc.data(), mx.data(),
                          sum.data(), s.data(), s2.data());
            }
            for (int64_t r = 0; r < nrows; r++) {
                const int64_t t = t0 + r / group, h = g * group + r % group;
                float *o = out + (t * H + h) * D;
                const float *a = acc.data() + r * D;
                const float inv = 1.0f / sum[r];
                for (int64_t d = 0; d < D; d++) o[d] = a[d] * inv;
            }
        }
    }
}

}  // namespace CORTADO_NS
