// Normalisations: RMSNorm (Llama, Qwen2) and LayerNorm. Compiled once per ISA (see Makefile).
// llm.c style: the forward keeps what its backward twin (to sit beside it) needs — the
// per-row reciprocal standard deviation (and mean) — when the caller asks for it.
#include <math.h>

#include "common.h"
#include "isa.h"
#include "team.h"
#include "simd.h"

namespace CORTADO_NS {

using namespace cortado;
using namespace cortado_simd;

// out (T, C) = x (T, C) / sqrt(mean(x^2) + eps) * w (C); rstd (T) receives the row's 1/rms
// (nullable). out may equal x.
__attribute__((noinline)) float rmsnorm_row_f32(float *ot, const float *xt, const float *w, int64_t C, float eps) {
    float ss = dot(xt, xt, C) / (float)C;
    float s = 1.0f / sqrtf(ss + eps);
    int64_t i = 0;
#if defined(__AVX2__)
    __m256 vs = _mm256_set1_ps(s);
    for (; i + 8 <= C; i += 8)
        _mm256_storeu_ps(ot + i, _mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_mul_ps(vs, _mm256_loadu_ps(xt + i))));
#endif
    for (; i < C; i++) ot[i] = w[i] * (s * xt[i]);
    return s;
}

void rmsnorm_forward_f32(float *out, float *rstd, const float *x, const float *w, int64_t T, int64_t C,
                         float eps, int threads) {
#pragma omp parallel for num_threads(threads_for(T * C, 1 << 15, threads)) schedule(static)
    for (int64_t t = 0; t < T; t++) {
        float s = rmsnorm_row_f32(out + t * C, x + t * C, w, C, eps);
        if (rstd) rstd[t] = s;
    }
}

// The gradient of rmsnorm_forward_f32: with r = rstd[t] (as the forward saved it) and g = w * dout,
//   dx (T, C) += r * g - x * r^3 / C * sum_i(g_i x_i),   dw (C) += sum_t dout * x * r  (dw nullable).
// dx must not alias the inputs. dx is parallel over rows, dw over fixed blocks of columns; every
// element has one owner and a fixed order of summation (results do not depend on the thread count).
void rmsnorm_backward_f32(float *dx, float *dw, const float *dout, const float *x, const float *w, const float *rstd,
                          int64_t T, int64_t C, int threads) {
#pragma omp parallel for num_threads(threads_for(T * C, 1 << 15, threads)) schedule(static)
    for (int64_t t = 0; t < T; t++) {
        const float *xt = x + t * C, *gt = dout + t * C;
        float *dt = dx + t * C;
        const float r = rstd[t];
        int64_t i = 0;
        float s = 0.0f;
#if defined(__AVX2__) && defined(__FMA__)
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        for (; i + 16 <= C; i += 16) {
            s0 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(gt + i)), _mm256_loadu_ps(xt + i), s0);
            s1 = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(gt + i + 8)), _mm256_loadu_ps(xt + i + 8), s1);
        }
        s = hsum256(_mm256_add_ps(s0, s1));
#endif
        for (; i < C; i++) s += w[i] * gt[i] * xt[i];
        const float coef = r * r * r * s / (float)C;
        i = 0;
#if defined(__AVX2__) && defined(__FMA__)
        const __m256 vr = _mm256_set1_ps(r), vc = _mm256_set1_ps(-coef);
        for (; i + 8 <= C; i += 8) {
            __m256 g = _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(gt + i)), vr);
            __m256 d = _mm256_fmadd_ps(vc, _mm256_loadu_ps(xt + i), g);
            _mm256_storeu_ps(dt + i, _mm256_add_ps(_mm256_loadu_ps(dt + i), d));
        }
#endif
        for (; i < C; i++) dt[i] += w[i] * gt[i] * r - coef * xt[i];
    }
    if (!dw) return;
    const int64_t CB = 64;  // columns per block (a multiple of 8: the vector/scalar split is fixed)
    const int64_t blocks = (C + CB - 1) / CB;
#pragma omp parallel for num_threads(threads_for(T * C, 1 << 15, threads)) schedule(static)
    for (int64_t b = 0; b < blocks; b++) {
        const int64_t c0 = b * CB, c1 = c0 + CB < C ? c0 + CB : C;
        for (int64_t t = 0; t < T; t++) {
            const float r = rstd[t];
            const float *xt = x + t * C, *gt = dout + t * C;
            int64_t i = c0;
#if defined(__AVX2__) && defined(__FMA__)
            const __m256 vr = _mm256_set1_ps(r);
            for (; i + 8 <= c1; i += 8)
                _mm256_storeu_ps(dw + i, _mm256_fmadd_ps(_mm256_mul_ps(_mm256_loadu_ps(gt + i), vr), _mm256_loadu_ps(xt + i),
                                                         _mm256_loadu_ps(dw + i)));
#endif
            for (; i < c1; i++) dw[i] += gt[i] * r * xt[i];
        }
    }
}

// out (T, C) = (x - mean) / sqrt(var + eps) * w (C) + b (C) (b nullable); mean, rstd (T)
// nullable. out may equal x.
void layernorm_forward_f32(float *out, float *mean, float *rstd, const float *x, const float *w, const float *b,
                           int64_t T, int64_t C, float eps, int threads) {
#pragma omp parallel for num_threads(threads_for(T * C, 1 << 15, threads)) schedule(static)
    for (int64_t t = 0; t < T; t++) {
        const float *xt = x + t * C;
        float *ot = out + t * C;
        float m = 0.0f;
        for (int64_t i = 0; i < C; i++) m += xt[i];
        m /= (float)C;
        float v = 0.0f;
        for (int64_t i = 0; i < C; i++) {
            float d = xt[i] - m;
            v += d * d;
        }
        v /= (float)C;
        float s = 1.0f / sqrtf(v + eps);
        if (mean) mean[t] = m;
        if (rstd) rstd[t] = s;
        for (int64_t i = 0; i < C; i++) ot[i] = (xt[i] - m) * s * w[i] + (b ? b[i] : 0.0f);
    }
}

}  // namespace CORTADO_NS
