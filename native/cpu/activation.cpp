// Element-wise ops of the transformer: SwiGLU, softmax, residual add, bias add. Compiled once per
// ISA (see Makefile). Backward twins sit beside their forwards (llm.c style).
#include <math.h>

#include "common.h"
#include "isa.h"
#include "simd.h"

namespace CORTADO_NS {

using namespace cortado;
using namespace cortado_simd;

// out (n) = silu(gate (n)) * up (n), silu(g) = g / (1 + exp(-g)), through simd.h's silu_mul_span (8
// lanes of exp_nonpos on AVX2: a prefill's T x ffn scalar expf calls were ~7% of it). out may equal
// gate or up.
void swiglu_forward_f32(float *out, const float *gate, const float *up, int64_t n, int threads) {
#pragma omp parallel for num_threads(threads_for(n, 1 << 15, threads)) schedule(static)
    for (int64_t i0 = 0; i0 < n; i0 += 4096) silu_mul_span(out + i0, gate + i0, up + i0, (i0 + 4096 < n ? i0 + 4096 : n) - i0);
}

// The gradient of swiglu_forward_f32: with s = sigmoid(gate),
//   dgate (n) = dout * up * s * (1 + gate * (1 - s)),   dup (n) = dout * gate * s   (both overwritten).
// Element-wise: dgate may be dout or gate, dup may be dout or up (each element is read before written).
void swiglu_backward_f32(float *dgate, float *dup, const float *dout, const float *gate, const float *up, int64_t n,
                         int threads) {
#pragma omp parallel for num_threads(threads_for(n, 1 << 15, threads)) schedule(static)
    for (int64_t i0 = 0; i0 < n; i0 += 4096) {
        int64_t i1 = i0 + 4096 < n ? i0 + 4096 : n;
        int64_t i = i0;
#if defined(__AVX2__) && defined(__FMA__)
        // s = sigmoid(g) from e = exp(-|g|) <= 1: 1 / (1 + e) for g >= 0, e / (1 + e) below
        const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
        for (; i + 8 <= i1; i += 8) {
            const __m256 g = _mm256_loadu_ps(gate + i), u = _mm256_loadu_ps(up + i), d = _mm256_loadu_ps(dout + i);
            const __m256 e = exp_nonpos(_mm256_or_ps(g, sign));
            const __m256 r = _mm256_div_ps(one, _mm256_add_ps(one, e));
            const __m256 sg = _mm256_blendv_ps(r, _mm256_mul_ps(e, r), g);  // g's sign bit picks e / (1 + e)
            const __m256 dg = _mm256_mul_ps(_mm256_mul_ps(d, u), _mm256_mul_ps(sg, _mm256_fmadd_ps(g, _mm256_sub_ps(one, sg), one)));
            _mm256_storeu_ps(dup + i, _mm256_mul_ps(d, _mm256_mul_ps(g, sg)));
            _mm256_storeu_ps(dgate + i, dg);
        }
#endif
        for (; i < i1; i++) {
            const float g = gate[i], u = up[i], d = dout[i];
            const float s = 1.0f / (1.0f + expf(-g));
            dgate[i] = d * u * (s * (1.0f + g * (1.0f - s)));
            dup[i] = d * (g * s);
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

// db (C) += sum over t of dy (T, C) — the gradient of bias_add_forward_f32. Parallel over fixed blocks
// of columns, each summing t in order (results do not depend on the thread count).
void bias_backward_f32(float *db, const float *dy, int64_t T, int64_t C, int threads) {
    const int64_t CB = 256;
    const int64_t blocks = (C + CB - 1) / CB;
#pragma omp parallel for num_threads(threads_for(T * C, 1 << 16, threads)) schedule(static)
    for (int64_t b = 0; b < blocks; b++) {
        const int64_t c0 = b * CB, cn = c0 + CB < C ? CB : C - c0;
        for (int64_t t = 0; t < T; t++) axpy(db + c0, 1.0f, dy + t * C + c0, cn);
    }
}

}  // namespace CORTADO_NS
