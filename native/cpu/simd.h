// Vector helpers for the transformer op files (norm, rope, attention, activation, loss): dot products,
// axpy and e^x on f32, AVX2+FMA when the namespace is compiled for it, plain loops otherwise.
// Static inline functions: each ISA build of an op file gets its own copy.
#ifndef CORTADO_SIMD_H
#define CORTADO_SIMD_H

#include <math.h>
#include <stdint.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace cortado_simd {

#if defined(__AVX2__) && defined(__FMA__)
static inline float hsum256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}
#endif

// sum a[i] * b[i]
static inline float dot(const float *a, const float *b, int64_t n) {
    int64_t i = 0;
    float s = 0.0f;
#if defined(__AVX2__) && defined(__FMA__)
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s = hsum256(_mm256_add_ps(s0, s1));
#endif
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

// y[i] = y[i] * c + a * x[i]   (the online-softmax accumulator update)
static inline void scale_axpy(float *y, float c, float a, const float *x, int64_t n) {
    int64_t i = 0;
#if defined(__AVX2__) && defined(__FMA__)
    __m256 vc = _mm256_set1_ps(c), va = _mm256_set1_ps(a);
    for (; i + 8 <= n; i += 8) {
        __m256 yv = _mm256_mul_ps(_mm256_loadu_ps(y + i), vc);
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), yv));
    }
#endif
    for (; i < n; i++) y[i] = y[i] * c + a * x[i];
}

// y[i] += a * x[i]
static inline void axpy(float *y, float a, const float *x, int64_t n) {
    int64_t i = 0;
#if defined(__AVX2__) && defined(__FMA__)
    __m256 va = _mm256_set1_ps(a);
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
#endif
    for (; i < n; i++) y[i] += a * x[i];
}

// y[i] *= a
static inline void scale(float *y, float a, int64_t n) {
    int64_t i = 0;
#if defined(__AVX2__)
    __m256 va = _mm256_set1_ps(a);
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(va, _mm256_loadu_ps(y + i)));
#endif
    for (; i < n; i++) y[i] *= a;
}

#if defined(__AVX2__) && defined(__FMA__)
// e^x for x <= 0 (max-subtracted logits), Cephes' polynomial on the reduced argument; relative error
// about 2e-7. Below -87 the result is clamped to e^-87 (1.6e-38): nothing next to the max's e^0 = 1.
static inline __m256 exp_nonpos(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
    __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}
#endif

// x (n) = e^x in place, for x <= 0 (or barely above: rounding of a max-subtracted value).
static inline void exp_nonpos_inplace(float *x, int64_t n) {
    int64_t i = 0;
#if defined(__AVX2__) && defined(__FMA__)
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, exp_nonpos(_mm256_loadu_ps(x + i)));
#endif
    for (; i < n; i++) x[i] = expf(x[i]);
}

#if defined(__AVX2__) && defined(__FMA__)
// silu(g) * u = g * sigmoid(g) * u in 8 lanes, with e = e^-|g| <= 1: sigmoid(g) = 1 / (1 + e) for
// g >= 0 and e / (1 + e) below (no overflow for large |g|).
static inline __m256 silu_mul8(__m256 g, __m256 u) {
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 e = exp_nonpos(_mm256_or_ps(g, _mm256_set1_ps(-0.0f)));
    const __m256 r = _mm256_div_ps(one, _mm256_add_ps(one, e));
    const __m256 s = _mm256_blendv_ps(r, _mm256_mul_ps(e, r), g);  // g's sign bit picks e / (1 + e)
    return _mm256_mul_ps(_mm256_mul_ps(g, s), u);
}
#endif

// out (n) = silu(g) * u. Each element is the same function of its (g, u) wherever it sits in the span
// (AVX2: a tail goes through the same 8 lanes, padded), so SwiGLU fused into a product and SwiGLU as
// its own pass agree bit for bit. out may equal g or u.
static inline void silu_mul_span(float *out, const float *g, const float *u, int64_t n) {
    int64_t i = 0;
#if defined(__AVX2__) && defined(__FMA__)
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, silu_mul8(_mm256_loadu_ps(g + i), _mm256_loadu_ps(u + i)));
    if (i < n) {
        float gb[8] = {0}, ub[8] = {0}, ob[8];
        for (int64_t k = i; k < n; k++) gb[k - i] = g[k], ub[k - i] = u[k];
        _mm256_storeu_ps(ob, silu_mul8(_mm256_loadu_ps(gb), _mm256_loadu_ps(ub)));
        for (int64_t k = i; k < n; k++) out[k] = ob[k - i];
    }
#else
    for (; i < n; i++) out[i] = g[i] * (1.0f / (1.0f + expf(-g[i]))) * u[i];
#endif
}

}  // namespace cortado_simd

#endif
