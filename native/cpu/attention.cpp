// Causal grouped-query attention against a KV cache. Compiled once per ISA (see Makefile).
//
// KV cache layout, one layer: k, v (ctx, KVH, D) f32 — position-major, so the K/V rows of T new
// tokens (T, KVH, D) are one contiguous block at position pos that the K/V projections write into
// directly; keys are stored after RoPE. Query head h reads KV head h / (H / KVH).
#include <math.h>
#include <string.h>

#include <algorithm>
#include <vector>

#include "common.h"
#include "isa.h"
#include "simd.h"
#include "attention_tile.h"

namespace CORTADO_NS {

using namespace cortado;
using namespace cortado_simd;

using namespace attention_tile;

#if defined(__AVX2__) && defined(__FMA__)
// ---- decode (T = 1), D a multiple of 8: one query head against n keys -----------------------------
// Long contexts make attention a large share of a small model's step (SmolLM2-135M at 600 positions:
// a third of it), so: scores() four keys at a time with one combined horizontal sum (a 64-wide dot is
// 8 FMAs, its own horizontal sum another 6 instructions), and the weighted sum of V with the output
// held in registers, 64 columns at a time, instead of a load-FMA-store of the output per key.

// o[0 .. 8 NV) = sum_j p[j] * v[j * stride + (0 .. 8 NV)] * inv
template <int NV>
static void weighted_v(const float *p, const float *v, int64_t stride, int64_t n, float inv, float *o) {
    __m256 acc[NV];
    for (int i = 0; i < NV; i++) acc[i] = _mm256_setzero_ps();
    for (int64_t j = 0; j < n; j++) {
        const __m256 pj = _mm256_broadcast_ss(p + j);
        const float *vj = v + j * stride;
        for (int i = 0; i < NV; i++) acc[i] = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + 8 * i), acc[i]);
    }
    const __m256 vi = _mm256_set1_ps(inv);
    for (int i = 0; i < NV; i++) _mm256_storeu_ps(o + 8 * i, _mm256_mul_ps(acc[i], vi));
}

static void decode_head(const float *qh, const float *kh, const float *vh, int64_t stride, int64_t n, int64_t D, float sc,
                        float *s, float *o, float *lse) {
    scores(qh, kh, stride, n, D, sc, s);
    float m = -INFINITY;
    for (int64_t j = 0; j < n; j++) m = s[j] > m ? s[j] : m;
    for (int64_t j = 0; j < n; j++) s[j] -= m;
    exp_nonpos_inplace(s, n);  // 8 lanes, as the prefill's softmax_step
    float l = 0.0f;
    for (int64_t j = 0; j < n; j++) l += s[j];
    const float inv = 1.0f / l;
    for (int64_t d0 = 0; d0 < D; d0 += 64) {
        switch ((D - d0) >= 64 ? 8 : (D - d0) / 8) {
            case 8: weighted_v<8>(s, vh + d0, stride, n, inv, o + d0); break;
            case 7: weighted_v<7>(s, vh + d0, stride, n, inv, o + d0); break;
            case 6: weighted_v<6>(s, vh + d0, stride, n, inv, o + d0); break;
            case 5: weighted_v<5>(s, vh + d0, stride, n, inv, o + d0); break;
            case 4: weighted_v<4>(s, vh + d0, stride, n, inv, o + d0); break;
            case 3: weighted_v<3>(s, vh + d0, stride, n, inv, o + d0); break;
            case 2: weighted_v<2>(s, vh + d0, stride, n, inv, o + d0); break;
            default: weighted_v<1>(s, vh + d0, stride, n, inv, o + d0); break;
        }
    }
    if (lse) *lse = m + logf(l);
}
#endif

// out (T, H, D) = softmax(q kᵀ / sqrt(D)) v for T new tokens at positions pos .. pos+T-1; token t
// sees keys [0, pos + t]. q (T, H, D); k, v the layer's cache (ctx, KVH, D) already holding
// positions [0, pos + T). lse (T, H) receives each row's log-sum-exp of the scaled scores (nullable;
// what a flash-attention backward needs to recompute the probabilities).
// T = 1 (decode): exact two-pass softmax over the scores of one row per head.
// T > 1 (prefill): flash-attention tiles — BQ tokens x the heads sharing one KV head against BK
// keys at a time, with an online (running max, running sum) softmax; e^x through exp_nonpos (8 lanes).
void attention_forward_f32(float *out, float *lse, const float *q, const float *k, const float *v, int64_t T,
                           int64_t pos, int64_t H, int64_t KVH, int64_t D, int threads) {
    const float sc = 1.0f / sqrtf((float)D);
    const int64_t group = H / KVH;
    const int64_t kvstride = KVH * D;

    if (T == 1) {
        const int64_t n = pos + 1;
#pragma omp parallel num_threads(threads_for(H * n * D, 1 << 14, threads))
        {
            std::vector<float> s((size_t)n);
#pragma omp for schedule(static)
            for (int64_t h = 0; h < H; h++) {
                const float *qh = q + h * D;
                const float *kh = k + (h / group) * D;
                const float *vh = v + (h / group) * D;
#if defined(__AVX2__) && defined(__FMA__)
                if (D % 8 == 0) {
                    decode_head(qh, kh, vh, kvstride, n, D, sc, s.data(), out + h * D, lse ? lse + h : nullptr);
                    continue;
                }
#endif
                float m = -INFINITY;
                for (int64_t j = 0; j < n; j++) {
                    s[j] = dot(qh, kh + j * kvstride, D) * sc;
                    m = s[j] > m ? s[j] : m;
                }
                float l = 0.0f;
                for (int64_t j = 0; j < n; j++) {
                    s[j] = expf(s[j] - m);
                    l += s[j];
                }
                float *o = out + h * D;
                for (int64_t d = 0; d < D; d++) o[d] = 0.0f;
                float inv = 1.0f / l;
                for (int64_t j = 0; j < n; j++) axpy(o, s[j] * inv, vh + j * kvstride, D);
                if (lse) lse[h] = m + logf(l);
            }
        }
        return;
    }

    const int64_t qblocks = (T + BQ - 1) / BQ;
    const int64_t items = KVH * qblocks;
#pragma omp parallel num_threads(threads_for(items * BQ * (pos + T) * D, 1 << 16, threads))
    {
        const int64_t rows = BQ * group;
        std::vector<float> acc((size_t)(rows * D)), mx((size_t)rows), sum((size_t)rows), s((size_t)BK), s2((size_t)BK);
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
                const float *kt = k + j0 * kvstride + g * D, *vt = v + j0 * kvstride + g * D;
                tile_rows(q, H, D, sc, pos, t0, g, group, nrows, kt, vt, kvstride, j0, BK, acc.data(), mx.data(),
                          sum.data(), s.data(), s2.data());
            }
            for (int64_t r = 0; r < nrows; r++) {
                const int64_t t = t0 + r / group, h = g * group + r % group;
                float *o = out + (t * H + h) * D;
                const float *a = acc.data() + r * D;
                float inv = 1.0f / sum[r];
                for (int64_t d = 0; d < D; d++) o[d] = a[d] * inv;
                if (lse) lse[t * H + h] = mx[r] + logf(sum[r]);
            }
        }
    }
}

// ---- backward helpers ----

// out[j] = a · b[j] (n floats each) for j < nb, four b's per pass over a.
static inline void dots(const float *a, const float *const *b, int64_t nb, int64_t n, float *out) {
    int64_t j = 0;
#if defined(__AVX2__) && defined(__FMA__)
    if (n % 8 == 0) {  // eight b's per pass: 8 independent FMA chains (short rows, D = 32, are latency-bound)
        for (; j + 8 <= nb; j += 8) {
            __m256 s[8];
            for (int l = 0; l < 8; l++) s[l] = _mm256_setzero_ps();
            for (int64_t i = 0; i < n; i += 8) {
                const __m256 av = _mm256_loadu_ps(a + i);
                for (int l = 0; l < 8; l++) s[l] = _mm256_fmadd_ps(av, _mm256_loadu_ps(b[j + l] + i), s[l]);
            }
            const __m256 h0 = _mm256_hadd_ps(_mm256_hadd_ps(s[0], s[1]), _mm256_hadd_ps(s[2], s[3]));
            const __m256 h1 = _mm256_hadd_ps(_mm256_hadd_ps(s[4], s[5]), _mm256_hadd_ps(s[6], s[7]));
            _mm256_storeu_ps(out + j, _mm256_add_ps(_mm256_permute2f128_ps(h0, h1, 0x20), _mm256_permute2f128_ps(h0, h1, 0x31)));
        }
    }
    for (; j + 4 <= nb; j += 4) {
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
        int64_t i = 0;
        for (; i + 8 <= n; i += 8) {
            const __m256 av = _mm256_loadu_ps(a + i);
            s0 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b[j] + i), s0);
            s1 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b[j + 1] + i), s1);
            s2 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b[j + 2] + i), s2);
            s3 = _mm256_fmadd_ps(av, _mm256_loadu_ps(b[j + 3] + i), s3);
        }
        __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(s0, s1), _mm256_hadd_ps(s2, s3));
        __m128 r = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
        float t[4];
        _mm_storeu_ps(t, r);
        for (; i < n; i++)
            for (int l = 0; l < 4; l++) t[l] += a[i] * b[j + l][i];
        for (int l = 0; l < 4; l++) out[j + l] = t[l];
    }
#endif
    for (; j < nb; j++) out[j] = dot(a, b[j], n);
}

// y (n) += sum over r < R, in order, of c[r * cs] * x[r] (n floats each); zero coefficients skipped.
// Outer-product form: a 64-float span of y stays in registers while the rows stream past.
static inline void accum_rows(float *y, const float *c, int64_t cs, const float *const *x, int64_t R, int64_t n) {
    int64_t d = 0;
#if defined(__AVX2__) && defined(__FMA__)
    for (; d + 64 <= n; d += 64) {
        __m256 a[8];
        for (int l = 0; l < 8; l++) a[l] = _mm256_loadu_ps(y + d + 8 * l);
        for (int64_t r = 0; r < R; r++) {
            const float cr = c[r * cs];
            if (cr == 0.0f) continue;
            const __m256 cv = _mm256_set1_ps(cr);
            for (int l = 0; l < 8; l++) a[l] = _mm256_fmadd_ps(cv, _mm256_loadu_ps(x[r] + d + 8 * l), a[l]);
        }
        for (int l = 0; l < 8; l++) _mm256_storeu_ps(y + d + 8 * l, a[l]);
    }
    // 32 floats (D = 32, or the rest of a 64 span): even and odd rows in two sets of 4 accumulators,
    // so that 8 independent FMA chains hide the FMA latency; y += even sum, then += odd sum.
    for (; d + 32 <= n; d += 32) {
        __m256 a[4], b[4];
        for (int l = 0; l < 4; l++) {
            a[l] = _mm256_loadu_ps(y + d + 8 * l);
            b[l] = _mm256_setzero_ps();
        }
        int64_t r = 0;
        for (; r + 2 <= R; r += 2) {
            const float c0 = c[r * cs], c1 = c[(r + 1) * cs];
            if (c0 != 0.0f) {
                const __m256 cv = _mm256_set1_ps(c0);
                for (int l = 0; l < 4; l++) a[l] = _mm256_fmadd_ps(cv, _mm256_loadu_ps(x[r] + d + 8 * l), a[l]);
            }
            if (c1 != 0.0f) {
                const __m256 cv = _mm256_set1_ps(c1);
                for (int l = 0; l < 4; l++) b[l] = _mm256_fmadd_ps(cv, _mm256_loadu_ps(x[r + 1] + d + 8 * l), b[l]);
            }
        }
        if (r < R && c[r * cs] != 0.0f) {
            const __m256 cv = _mm256_set1_ps(c[r * cs]);
            for (int l = 0; l < 4; l++) a[l] = _mm256_fmadd_ps(cv, _mm256_loadu_ps(x[r] + d + 8 * l), a[l]);
        }
        for (int l = 0; l < 4; l++) _mm256_storeu_ps(y + d + 8 * l, _mm256_add_ps(a[l], b[l]));
    }
    for (; d + 8 <= n; d += 8) {
        __m256 a = _mm256_loadu_ps(y + d);
        for (int64_t r = 0; r < R; r++) {
            const float cr = c[r * cs];
            if (cr != 0.0f) a = _mm256_fmadd_ps(_mm256_set1_ps(cr), _mm256_loadu_ps(x[r] + d), a);
        }
        _mm256_storeu_ps(y + d, a);
    }
#endif
    for (; d < n; d++) {
        float a = y[d];
        for (int64_t r = 0; r < R; r++) {
            const float cr = c[r * cs];
            if (cr != 0.0f) a += cr * x[r][d];
        }
        y[d] = a;
    }
}

// The backward of attention_forward_f32 at pos 0 (training: one sequence of T tokens, keys s <= t),
// flash-attention-2 style from the saved lse (the natural log-sum-exp of the scaled scores), so the
// (T, T) probabilities are never stored. With sc = 1/sqrt(D), per row (t, h) and key s of KV head g:
//   Drow = dout·out;  p = exp(q·k_s sc - lse);  dv_s += p dout;  dp = dout·v_s;  ds = p (dp - Drow);
//   dq += ds sc k_s;  dk_s += ds sc q.
// q, out, dout (T, H, D); k, v (T, KVH, D); lse (T, H). Writes dq (T, H, D), dk, dv (T, KVH, D).
//
// One pass, deterministic without atomics: work items are (KV head g, block of keys); an item owns
// its keys' dk, dv rows and sums them over (query, head) rows in order, and writes its share of dq
// for every row that sees its keys into a partial buffer of its own. A last pass adds each dq row's
// partials in block order. The blocking depends on the shapes only, so results are bit-identical
// for any thread count. Within an item, TQ tokens x the group's heads form a tile whose p / ds make a
// small matrix; the gradient rows then accumulate in registers over the tile (accum_rows).
void attention_backward_f32(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                            const float *v, const float *out, const float *lse, int64_t T, int64_t H, int64_t KVH,
                            int64_t D, int threads) {
    const float sc = 1.0f / sqrtf((float)D);
    const int64_t group = H / KVH;
    const int64_t kvstride = KVH * D, qstride = H * D;
    const int nt = threads_for(H * D * T, 1 << 10, threads);  // ~ H D T^2 / 2 work, kept from overflowing
    std::vector<float> drow((size_t)(T * H));
#pragma omp parallel for num_threads(threads_for(T * H * D, 1 << 15, threads)) schedule(static)
    for (int64_t i = 0; i < T * H; i++) drow[(size_t)i] = dot(dout + i * D, out + i * D, D);

    // Blocks of BKB >= 32 keys (16 were measured slower: the dq rows accumulate over too few keys),
    // at most 8 of them so that the dq partials, the rows t >= each block's first key, stay within
    // 4.5 times dq.
    const int64_t BKB = std::max<int64_t>(32, (T + 7) / 8), TQ = 16;
    const int64_t kblocks = (T + BKB - 1) / BKB;
    std::vector<int64_t> part_at((size_t)kblocks + 1);  // block b's partials: rows [b BKB, T) x (H, D)
    part_at[0] = 0;
    for (int64_t b = 0; b < kblocks; b++) part_at[(size_t)b + 1] = part_at[(size_t)b] + (T - b * BKB) * qstride;
    std::vector<float> part((size_t)part_at[(size_t)kblocks]);
#pragma omp parallel num_threads(nt)
    {
        const int64_t maxrows = TQ * group;
        std::vector<const float *> kp((size_t)BKB), vp((size_t)BKB), qp((size_t)maxrows), op((size_t)maxrows);
        std::vector<float> P((size_t)(maxrows * BKB)), DS((size_t)(maxrows * BKB));
#pragma omp for schedule(dynamic, 1)
        for (int64_t it = 0; it < KVH * kblocks; it++) {
            const int64_t g = it % KVH, b = it / KVH, s0 = b * BKB;  // the first key blocks see the most queries
            const int64_t s1 = s0 + BKB < T ? s0 + BKB : T, ns = s1 - s0;
            float *dqp = part.data() + part_at[(size_t)b];  // row (t, h) at ((t - s0) H + h) D
            for (int64_t s = s0; s < s1; s++) {
                memset(dk + s * kvstride + g * D, 0, (size_t)D * sizeof(float));
                memset(dv + s * kvstride + g * D, 0, (size_t)D * sizeof(float));
                kp[(size_t)(s - s0)] = k + s * kvstride + g * D;
                vp[(size_t)(s - s0)] = v + s * kvstride + g * D;
            }
            for (int64_t ta = s0; ta < T; ta += TQ) {
                const int64_t tb = ta + TQ < T ? ta + TQ : T;
                int64_t R = 0;
                for (int64_t t = ta; t < tb; t++) {
                    const int64_t n = s1 < t + 1 ? ns : t + 1 - s0;  // keys of the block that t sees
                    for (int64_t h = g * group; h < (g + 1) * group; h++, R++) {
                        const int64_t r = t * H + h;
                        const float L = lse[r], Dr = drow[(size_t)r];
                        qp[(size_t)R] = q + r * D;
                        op[(size_t)R] = dout + r * D;
                        float *pr = P.data() + R * BKB, *dr = DS.data() + R * BKB;
                        dots(q + r * D, kp.data(), n, D, pr);
                        dots(dout + r * D, vp.data(), n, D, dr);
                        for (int64_t j = 0; j < n; j++) pr[j] = pr[j] * sc - L;
                        exp_nonpos_inplace(pr, n);
                        for (int64_t j = 0; j < n; j++) dr[j] = pr[j] * (dr[j] - Dr) * sc;
                        for (int64_t j = n; j < ns; j++) pr[j] = dr[j] = 0.0f;
                        float *dqr = dqp + ((t - s0) * H + h) * D;
                        memset(dqr, 0, (size_t)D * sizeof(float));
                        accum_rows(dqr, dr, 1, kp.data(), n, D);
                    }
                }
                for (int64_t j = 0; j < ns; j++) {
                    accum_rows(dv + (s0 + j) * kvstride + g * D, P.data() + j, BKB, op.data(), R, D);
                    accum_rows(dk + (s0 + j) * kvstride + g * D, DS.data() + j, BKB, qp.data(), R, D);
                }
            }
        }
    }
    // dq (t, h) = its partials from blocks 0 .. t / BKB, in block order
#pragma omp parallel for num_threads(threads_for(T * H * D, 1 << 14, threads)) schedule(static)
    for (int64_t t = 0; t < T; t++) {
        float *dqt = dq + t * qstride;
        memcpy(dqt, part.data() + t * qstride, (size_t)qstride * sizeof(float));
        for (int64_t b = 1; b <= t / BKB; b++) axpy(dqt, 1.0f, part.data() + part_at[(size_t)b] + (t - b * BKB) * qstride, qstride);
    }
}

}  // namespace CORTADO_NS
