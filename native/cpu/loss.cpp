// The language-model loss and the embedding's gradient. Compiled once per ISA (see Makefile).
// llm.c style: cross-entropy is fused with its backward — the logits are replaced by their gradient,
// so the (T, V) probabilities never need a buffer of their own.
#include <math.h>

#include "common.h"
#include "isa.h"
#include "simd.h"

namespace CORTADO_NS {

using namespace cortado;
using namespace cortado_simd;


// Softmax cross-entropy with a loss mask, forward and backward in one pass per row:
//   losses (T) = mask[t] > 0 ? logsumexp(logits[t]) - logits[t][targets[t]] : 0
//   logits (T, V) := (softmax(logits[t]) - onehot(targets[t])) * mask[t] * grad_scale  (rows with mask <= 0: 0)
// mask (T) nullable (all ones); targets (T) in [0, V) where mask[t] > 0 (not read elsewhere).
// Returns the sum of the losses in double, summed in row order (the same for any thread count).
double cross_entropy_forward_backward_f32(float *losses, float *logits, const int32_t *targets, const float *mask,
                                          int64_t T, int64_t V, float grad_scale, int threads) {
#pragma omp parallel for num_threads(threads_for(T * V, 1 << 15, threads)) schedule(static)
    for (int64_t t = 0; t < T; t++) {
        float *row = logits + t * V;
        const float mk = mask ? mask[t] : 1.0f;
        if (!(mk > 0.0f)) {
            losses[t] = 0.0f;
            for (int64_t i = 0; i < V; i++) row[i] = 0.0f;
            continue;
        }
        const int64_t y = targets[t];
        const float ly = row[y];
        int64_t i = 0;
        float m = -INFINITY;
#if defined(__AVX2__) && defined(__FMA__)
        __m256 vm = _mm256_set1_ps(-INFINITY);
        for (; i + 8 <= V; i += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(row + i));
        {
            float lanes[8];
            _mm256_storeu_ps(lanes, vm);
            for (int l = 0; l < 8; l++) m = lanes[l] > m ? lanes[l] : m;
        }
#endif
        for (; i < V; i++) m = row[i] > m ? row[i] : m;
        // exponentials stored in place, summed per lane, then the lanes in double
        double sum = 0.0;
        i = 0;
#if defined(__AVX2__) && defined(__FMA__)
        const __m256 vmax = _mm256_set1_ps(m);
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        for (; i + 16 <= V; i += 16) {
            __m256 e0 = exp_nonpos(_mm256_sub_ps(_mm256_loadu_ps(row + i), vmax));
            __m256 e1 = exp_nonpos(_mm256_sub_ps(_mm256_loadu_ps(row + i + 8), vmax));
            _mm256_storeu_ps(row + i, e0);
            _mm256_storeu_ps(row + i + 8, e1);
            s0 = _mm256_add_ps(s0, e0);
            s1 = _mm256_add_ps(s1, e1);
        }
        {
            float lanes[8];
            _mm256_storeu_ps(lanes, _mm256_add_ps(s0, s1));
            for (int l = 0; l < 8; l++) sum += lanes[l];
        }
#endif
        float tail = 0.0f;
        for (; i < V; i++) {
            row[i] = expf(row[i] - m);
            tail += row[i];
        }
        sum += tail;
        losses[t] = (float)((double)m + log(sum) - (double)ly);
        const float g = mk * grad_scale;
        scale(row, (float)(g / sum), V);
        row[y] -= g;
    }
    double total = 0.0;
    for (int64_t t = 0; t < T; t++) total += losses[t];
    return total;
}

// dtable (V, C): row tokens[t] += dout (T, C) row t — the gradient of an embedding lookup. tokens in
// [0, V). Parallel over fixed blocks of columns, each walking t in order: repeated tokens add up in a
// fixed order with no two threads on one element.
void embedding_backward_f32(float *dtable, const float *dout, const int32_t *tokens, int64_t T, int64_t C, int64_t V,
                            int threads) {
    const int64_t CB = 256;
    const int64_t blocks = (C + CB - 1) / CB;
#pragma omp parallel for num_threads(threads_for(T * C, 1 << 15, threads)) schedule(static)
    for (int64_t b = 0; b < blocks; b++) {
        const int64_t c0 = b * CB, cn = c0 + CB < C ? CB : C - c0;
        for (int64_t t = 0; t < T; t++) axpy(dtable + (int64_t)tokens[t] * C + c0, 1.0f, dout + t * C + c0, cn);
    }
}

}  // namespace CORTADO_NS
