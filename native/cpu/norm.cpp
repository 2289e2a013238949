// Normalisations: RMSNorm (Llama, Qwen2) and LayerNorm. Compiled once per ISA (see Makefile).
// llm.c style: the forward keeps what its backward twin (to sit beside it) needs — the
// per-row reciprocal standard deviation (and mean) — when the caller asks for it.
#include <math.h>

#include "common.h"
#include "isa.h"
#include "simd.h"

namespace CORTADO_NS {

using namespace cortado;
using namespace cortado_simd;

// out (T, C) = x (T, C) / sqrt(mean(x^2) + eps) * w (C); rstd (T) receives the row's 1/rms
// (nullable). out may equal x.
void rmsnorm_forward_f32(float *out, float *rstd, const float *x, const float *w, int64_t T, int64_t C,
                         float eps, int threads) {
#pragma omp parallel for num_threads(threads_for(T * C, 1 << 15, threads)) schedule(static)
    for (int64_t t = 0; t < T; t++) {
        const float *xt = x + t * C;
        float *ot = out + t * C;
        float ss = dot(xt, xt, C) / (float)C;
        float s = 1.0f / sqrtf(ss + eps);
        if (rstd) rstd[t] = s;
        int64_t i = 0;
#if defined(__AVX2__)
        __m256 vs = _mm256_set1_ps(s);
        for (; i + 8 <= C; i += 8)
            _mm256_storeu_ps(ot + i, _mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_mul_ps(vs, _mm256_loadu_ps(xt + i))));
#endif
        for (; i < C; i++) ot[i] = w[i] * (s * xt[i]);
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
