// Element-wise ops of the transformer: SwiGLU, softmax, residual add, bias add. Compiled once per
// ISA (see Makefile). Backward twins sit beside each forward later (llm.c style).
#include <math.h>

#include "common.h"
#include "isa.h"
#include "simd.h"

namespace CORTADO_NS {

using namespace cortado;
using namespace cortado_simd;

// out (n) = silu(gate (n)) * up (n), silu(g) = g / (1 + exp(-g)). out may equal gate or up.
void swiglu_forward_f32(float *out, const float *gate, const float *up, int64_t n, int threads) {
#pragma omp parallel for num_threads(threads_for(n, 1 << 15, threads)) schedule(static)
    for (int64_t i0 = 0; i0 < n; i0 += 4096) {
        int64_t i1 = i0 + 4096 < n ? i0 + 4096 : n;
        for (int64_t i = i0; i < i1; i++) {
            float g = gate[i];
            out[i] = g * (1.0f / (1.0f + expf(-g))) * up[i];
        }
    }
}

// out (T, V) = softmax over each row of x (T, V), max-subtracted. out may equal x.
void softmax_forward_f32(float *out, const float *x, int64_t T, int64_t V, int threads) {
#pragma omp parallel for num_threads(threads_for(T * V, 1 << 15, threads)) schedule(static)
    for (int64_t t = 0; t < T; t++) {
        const float *xt = x + t * V;
        float *ot = out + t * V;
        float m = -INFINITY;
        for (int64_t i = 0; i < V; i++) m = xt[i] > m ? xt[i] : m;
        float s = 0.0f;
        for (int64_t i = 0; i < V; i++) {
            ot[i] = expf(xt[i] - m);
            s += ot[i];
        }
        scale(ot, 1.0f / s, V);
    }
}

// out (n) = a (n) + b (n) — the residual connection. out may equal a or b.
void add_f32(float *out, const float *a, const float *b, int64_t n, int threads) {
#pragma omp parallel for num_threads(threads_for(n, 1 << 16, threads)) schedule(static)
    for (int64_t i0 = 0; i0 < n; i0 += 4096) {
        int64_t i1 = i0 + 4096 < n ? i0 + 4096 : n;
        int64_t i = i0;
#if defined(__AVX2__)
        for (; i + 8 <= i1; i += 8) _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
#endif
        for (; i < i1; i++) out[i] = a[i] + b[i];
    }
}

// y (T, C) += b (C) — the bias of a linear layer (Qwen2's Q/K/V).
void bias_add_forward_f32(float *y, const float *b, int64_t T, int64_t C, int threads) {
#pragma omp parallel for num_threads(threads_for(T * C, 1 << 16, threads)) schedule(static)
    for (int64_t t = 0; t < T; t++) axpy(y + t * C, 1.0f, b, C);
}

}  // namespace CORTADO_NS
