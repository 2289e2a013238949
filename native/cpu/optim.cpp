// The optimizer and the whole-buffer helpers of training (gradient clipping, zeroing). Compiled once
// per ISA (see Makefile). Element-wise in fixed chunks: results do not depend on the thread count.
#include <math.h>
#include <string.h>

#include <vector>

#include "common.h"
#include "isa.h"
#include "simd.h"

namespace CORTADO_NS {

using namespace cortado;

static const int64_t CHUNK = 1 << 14;  // floats per unit of work

// One AdamW step on n parameters (decoupled weight decay, bias-corrected, step counted from 1):
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr * (m / (1 - b1^step) / (sqrt(v / (1 - b2^step)) + eps) + wd * p)
void adamw_f32(float *param, const float *grad, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
               float eps, float weight_decay, int64_t step, int threads) {
    const float c1 = (float)(1.0 / (1.0 - pow((double)beta1, (double)step)));
    const float c2 = (float)(1.0 / (1.0 - pow((double)beta2, (double)step)));
    const float a1 = 1.0f - beta1, a2 = 1.0f - beta2;
    const int64_t chunks = (n + CHUNK - 1) / CHUNK;
#pragma omp parallel for num_threads(threads_for(n, 1 << 16, threads)) schedule(static)
    for (int64_t ch = 0; ch < chunks; ch++) {
        const int64_t i0 = ch * CHUNK, i1 = i0 + CHUNK < n ? i0 + CHUNK : n;
        int64_t i = i0;
#if defined(__AVX2__) && defined(__FMA__)
        const __m256 vb1 = _mm256_set1_ps(beta1), vb2 = _mm256_set1_ps(beta2), va1 = _mm256_set1_ps(a1),
                     va2 = _mm256_set1_ps(a2), vc1 = _mm256_set1_ps(c1), vc2 = _mm256_set1_ps(c2),
                     veps = _mm256_set1_ps(eps), vlr = _mm256_set1_ps(lr), vwd = _mm256_set1_ps(weight_decay);
        for (; i + 8 <= i1; i += 8) {
            __m256 g = _mm256_loadu_ps(grad + i), p = _mm256_loadu_ps(param + i);
            __m256 mm = _mm256_fmadd_ps(vb1, _mm256_loadu_ps(m + i), _mm256_mul_ps(va1, g));
            __m256 vv = _mm256_fmadd_ps(vb2, _mm256_loadu_ps(v + i), _mm256_mul_ps(va2, _mm256_mul_ps(g, g)));
            _mm256_storeu_ps(m + i, mm);
            _mm256_storeu_ps(v + i, vv);
            __m256 den = _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(vv, vc2)), veps);
            __m256 upd = _mm256_fmadd_ps(vwd, p, _mm256_div_ps(_mm256_mul_ps(mm, vc1), den));
            _mm256_storeu_ps(param + i, _mm256_fnmadd_ps(vlr, upd, p));
        }
#endif
        for (; i < i1; i++) {
            const float g = grad[i], p = param[i];
            const float mm = beta1 * m[i] + a1 * g;
            const float vv = beta2 * v[i] + a2 * (g * g);
            m[i] = mm;
            v[i] = vv;
            param[i] = p - lr * ((mm * c1) / (sqrtf(vv * c2) + eps) + weight_decay * p);
        }
    }
}

// Sum of x (n) squared, in double: fixed chunks summed in double, then the chunks in order.
double sum_squares_f32(const float *x, int64_t n, int threads) {
    const int64_t chunks = (n + CHUNK - 1) / CHUNK;
    std::vector<double> part((size_t)chunks);
#pragma omp parallel for num_threads(threads_for(n, 1 << 16, threads)) schedule(static)
    for (int64_t ch = 0; ch < chunks; ch++) {
        const int64_t i0 = ch * CHUNK, i1 = i0 + CHUNK < n ? i0 + CHUNK : n;
        int64_t i = i0;
        double s = 0.0;
#if defined(__AVX2__)
        __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
        for (; i + 8 <= i1; i += 8) {
            __m256 a = _mm256_loadu_ps(x + i);
            __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(a)), hi = _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1));
            s0 = _mm256_add_pd(s0, _mm256_mul_pd(lo, lo));
            s1 = _mm256_add_pd(s1, _mm256_mul_pd(hi, hi));
        }
        double lanes[4];
        _mm256_storeu_pd(lanes, _mm256_add_pd(s0, s1));
        s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
#endif
        for (; i < i1; i++) s += (double)x[i] * (double)x[i];
        part[(size_t)ch] = s;
    }
    double total = 0.0;
    for (int64_t ch = 0; ch < chunks; ch++) total += part[(size_t)ch];
    return total;
}

// x (n) *= s (gradient clipping, loss scaling).
void scale_f32(float *x, float s, int64_t n, int threads) {
    const int64_t chunks = (n + CHUNK - 1) / CHUNK;
#pragma omp parallel for num_threads(threads_for(n, 1 << 16, threads)) schedule(static)
    for (int64_t ch = 0; ch < chunks; ch++) {
        const int64_t i0 = ch * CHUNK;
        cortado_simd::scale(x + i0, s, (i0 + CHUNK < n ? CHUNK : n - i0));
    }
}

// x (n) = 0 (gradients before a step's backward).
void zero_f32(float *x, int64_t n, int threads) {
    const int64_t chunks = (n + CHUNK - 1) / CHUNK;
#pragma omp parallel for num_threads(threads_for(n, 1 << 17, threads)) schedule(static)
    for (int64_t ch = 0; ch < chunks; ch++) {
        const int64_t i0 = ch * CHUNK;
        memset(x + i0, 0, (size_t)(i0 + CHUNK < n ? CHUNK : n - i0) * sizeof(float));
    }
}

}  // namespace CORTADO_NS
