// The flash-attention tile math shared by attention.cpp (f32 position-major cache) and
// attention_kv16.cpp (f16 head-major cache, converted tile by tile to f32 scratch): scores of query
// rows against a tile of keys, the online-softmax step, the rescaled accumulation of values, and the
// loop over one tile's rows. Static inline: each ISA build of each op file gets its own copy.
// Included inside namespace CORTADO_NS after common.h and simd.h.
#ifndef CORTADO_ATTENTION_TILE_H
#define CORTADO_ATTENTION_TILE_H

#include <math.h>
#include <stdint.h>

namespace CORTADO_NS {
namespace attention_tile {

using namespace cortado;
using namespace cortado_simd;

static const int64_t BQ = 16;  // query rows (tokens) per tile in prefill
static const int64_t BK = 64;  // keys per tile: 64 * D floats stay in L1/L2 while the tile's rows read them

// s[j] = (q · k_j) * sc for the n keys k_j = k + j * ks (D floats each), four keys per pass over q.
static inline void scores(const float *q, const float *k, int64_t ks, int64_t n, int64_t D, float sc, float *s) {
    int64_t j = 0;
#if defined(__AVX2__) && defined(__FMA__)
    if (D % 8 == 0) {
        for (; j + 4 <= n; j += 4) {
            const float *k0 = k + j * ks, *k1 = k0 + ks, *k2 = k1 + ks, *k3 = k2 + ks;
            __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
            for (int64_t d = 0; d < D; d += 8) {
                const __m256 qv = _mm256_loadu_ps(q + d);
                s0 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k0 + d), s0);
                s1 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k1 + d), s1);
                s2 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k2 + d), s2);
                s3 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k3 + d), s3);
            }
            const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(s0, s1), _mm256_hadd_ps(s2, s3));
            const __m128 r = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
            _mm_storeu_ps(s + j, _mm_mul_ps(r, _mm_set1_ps(sc)));
        }
    }
#endif
    for (; j < n; j++) s[j] = dot(q, k + j * ks, D) * sc;
}

// a (D) = c * a + sum over j < n of p[j] * v_j, v_j = v + j * vs: the running output of one query row,
// rescaled to a new max and given a tile of keys' values; 64 floats of a stay in registers.
static inline void rescale_accumulate(float *a, float c, const float *p, const float *v, int64_t vs, int64_t n, int64_t D) {
    int64_t d = 0;
#if defined(__AVX2__) && defined(__FMA__)
    const __m256 cv = _mm256_set1_ps(c);
    for (; d + 64 <= D; d += 64) {
        __m256 r[8];
        for (int l = 0; l < 8; l++) r[l] = _mm256_mul_ps(cv, _mm256_loadu_ps(a + d + 8 * l));
        for (int64_t j = 0; j < n; j++) {
            const __m256 pj = _mm256_set1_ps(p[j]);
            const float *vj = v + j * vs + d;
            for (int l = 0; l < 8; l++) r[l] = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + 8 * l), r[l]);
        }
        for (int l = 0; l < 8; l++) _mm256_storeu_ps(a + d + 8 * l, r[l]);
    }
    for (; d + 8 <= D; d += 8) {
        __m256 r = _mm256_mul_ps(cv, _mm256_loadu_ps(a + d));
        for (int64_t j = 0; j < n; j++) r = _mm256_fmadd_ps(_mm256_set1_ps(p[j]), _mm256_loadu_ps(v + j * vs + d), r);
        _mm256_storeu_ps(a + d, r);
    }
#endif
    for (; d < D; d++) {
        float r = c * a[d];
        for (int64_t j = 0; j < n; j++) r += p[j] * v[j * vs + d];
        a[d] = r;
    }
}

// scores() for two query rows against the same keys: each key vector loaded once for both.
static inline void scores2(const float *qa, const float *qb, const float *k, int64_t ks, int64_t n, int64_t D, float sc,
                           float *sa, float *sb) {
    int64_t j = 0;
#if defined(__AVX2__) && defined(__FMA__)
    if (D % 8 == 0) {
        for (; j + 4 <= n; j += 4) {
            const float *k0 = k + j * ks, *k1 = k0 + ks, *k2 = k1 + ks, *k3 = k2 + ks;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int64_t d = 0; d < D; d += 8) {
                const __m256 qav = _mm256_loadu_ps(qa + d), qbv = _mm256_loadu_ps(qb + d);
                const __m256 kv0 = _mm256_loadu_ps(k0 + d), kv1 = _mm256_loadu_ps(k1 + d);
                const __m256 kv2 = _mm256_loadu_ps(k2 + d), kv3 = _mm256_loadu_ps(k3 + d);
                a0 = _mm256_fmadd_ps(qav, kv0, a0), b0 = _mm256_fmadd_ps(qbv, kv0, b0);
                a1 = _mm256_fmadd_ps(qav, kv1, a1), b1 = _mm256_fmadd_ps(qbv, kv1, b1);
                a2 = _mm256_fmadd_ps(qav, kv2, a2), b2 = _mm256_fmadd_ps(qbv, kv2, b2);
                a3 = _mm256_fmadd_ps(qav, kv3, a3), b3 = _mm256_fmadd_ps(qbv, kv3, b3);
            }
            const __m256 ha = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
            const __m256 hb = _mm256_hadd_ps(_mm256_hadd_ps(b0, b1), _mm256_hadd_ps(b2, b3));
            const __m128 scv = _mm_set1_ps(sc);
            _mm_storeu_ps(sa + j, _mm_mul_ps(_mm_add_ps(_mm256_castps256_ps128(ha), _mm256_extractf128_ps(ha, 1)), scv));
            _mm_storeu_ps(sb + j, _mm_mul_ps(_mm_add_ps(_mm256_castps256_ps128(hb), _mm256_extractf128_ps(hb, 1)), scv));
        }
    }
#endif
    scores(qa, k + j * ks, ks, n - j, D, sc, sa + j);
    scores(qb, k + j * ks, ks, n - j, D, sc, sb + j);
}

// The online softmax step of one row over a tile's scores s [0, n) of which the row may see the first
// nv: the new running max and sum, s = e^(s - max) in place (0 past nv); returns the factor that
// rescales what the row summed under its old max.
static inline float softmax_step(float *s, int64_t nv, int64_t n, float &mx, float &sum) {
    float m = mx;
    int64_t j = 0;
#if defined(__AVX2__) && defined(__FMA__)
    if (nv >= 8) {
        __m256 mv = _mm256_set1_ps(m);
        for (; j + 8 <= nv; j += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(s + j));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(mv), _mm256_extractf128_ps(mv, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        m = _mm_cvtss_f32(_mm_max_ss(h, _mm_movehdup_ps(h)));
    }
#endif
    for (; j < nv; j++) m = s[j] > m ? s[j] : m;
    const float c = expf(mx - m);
    float l = 0.0f;
    j = 0;
#if defined(__AVX2__) && defined(__FMA__)
    __m256 lv = _mm256_setzero_ps();
    const __m256 mb = _mm256_set1_ps(m);
    for (; j + 8 <= nv; j += 8) {
        const __m256 e = exp_nonpos(_mm256_sub_ps(_mm256_loadu_ps(s + j), mb));
        _mm256_storeu_ps(s + j, e);
        lv = _mm256_add_ps(lv, e);
    }
    l = hsum256(lv);
#endif
    for (; j < nv; j++) {
        s[j] = expf(s[j] - m);
        l += s[j];
    }
    for (int64_t j = nv; j < n; j++) s[j] = 0.0f;
    mx = m;
    sum = sum * c + l;
    return c;
}

// rescale_accumulate() for two rows over the same values, 32 floats of each row in registers.
static inline void rescale_accumulate2(float *a, float ca, const float *pa, float *b, float cb, const float *pb,
                                       const float *v, int64_t vs, int64_t n, int64_t D) {
    int64_t d = 0;
#if defined(__AVX2__) && defined(__FMA__)
    const __m256 cav = _mm256_set1_ps(ca), cbv = _mm256_set1_ps(cb);
    for (; d + 32 <= D; d += 32) {
        __m256 ra[4], rb[4];
        for (int l = 0; l < 4; l++) {
            ra[l] = _mm256_mul_ps(cav, _mm256_loadu_ps(a + d + 8 * l));
            rb[l] = _mm256_mul_ps(cbv, _mm256_loadu_ps(b + d + 8 * l));
        }
        for (int64_t j = 0; j < n; j++) {
            const __m256 paj = _mm256_set1_ps(pa[j]), pbj = _mm256_set1_ps(pb[j]);
            const float *vj = v + j * vs + d;
            for (int l = 0; l < 4; l++) {
                const __m256 vv = _mm256_loadu_ps(vj + 8 * l);
                ra[l] = _mm256_fmadd_ps(paj, vv, ra[l]);
                rb[l] = _mm256_fmadd_ps(pbj, vv, rb[l]);
            }
        }
        for (int l = 0; l < 4; l++) {
            _mm256_storeu_ps(a + d + 8 * l, ra[l]);
            _mm256_storeu_ps(b + d + 8 * l, rb[l]);
        }
    }
#endif
    if (d < D) {
        rescale_accumulate(a + d, ca, pa, v + d, vs, n, D - d);
        rescale_accumulate(b + d, cb, pb, v + d, vs, n, D - d);
    }
}

// One key tile [j0, j0 + nk) of the prefill for the rows of one work item: nrows rows, row r being
// token t0 + r / group and query head g * group + r % group; the tile's keys kt and values vt are
// nk vectors of D floats ks apart. Row r's running max, sum and unnormalised output (acc + r * D)
// are updated; a row sees keys [0, pos + t] only. s, s2: nk floats of scratch each.
static inline void tile_rows(const float *q, int64_t H, int64_t D, float sc, int64_t pos, int64_t t0, int64_t g,
                             int64_t group, int64_t nrows, const float *kt, const float *vt, int64_t ks, int64_t j0,
                             int64_t nk, float *acc, float *mx, float *sum, float *s, float *s2) {
    // rows two at a time: each key and value loaded serves both (rows go by token, so the second
    // sees at least the first's keys; the first's extra scores are masked)
    for (int64_t r = 0; r < nrows;) {
        const int64_t ta = t0 + r / group, ha = g * group + r % group;
        const int64_t lima = pos + ta + 1;  // keys this row may see
        if (j0 >= lima) {
            r++;
            continue;
        }
        const int64_t na = (j0 + nk < lima ? j0 + nk : lima) - j0;
        float *aa = acc + r * D;
        if (r + 1 < nrows) {
            const int64_t tb = t0 + (r + 1) / group, hb = g * group + (r + 1) % group;
            const int64_t limb = pos + tb + 1;
            const int64_t nb = (j0 + nk < limb ? j0 + nk : limb) - j0;
            scores2(q + (ta * H + ha) * D, q + (tb * H + hb) * D, kt, ks, nb, D, sc, s, s2);
            const float ca = softmax_step(s, na, nb, mx[r], sum[r]);
            const float cb = softmax_step(s2, nb, nb, mx[r + 1], sum[r + 1]);
            rescale_accumulate2(aa, ca, s, aa + D, cb, s2, vt, ks, nb, D);
            r += 2;
        } else {
            scores(q + (ta * H + ha) * D, kt, ks, na, D, sc, s);
            const float ca = softmax_step(s, na, na, mx[r], sum[r]);
            rescale_accumulate(aa, ca, s, vt, ks, na, D);
            r++;
        }
    }
}

}  // namespace attention_tile
}  // namespace CORTADO_NS

#endif
