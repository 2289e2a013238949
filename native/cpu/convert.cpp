// Element-type conversions: f16 / bf16 <-> f32. Compiled once per ISA (see Makefile).
#include "common.h"
#include "isa.h"

namespace CORTADO_NS {

using namespace cortado;

// y (n) = x (n) as f32
void convert_f16_to_f32(const uint16_t *x, float *y, int64_t n, int threads) {
#pragma omp parallel for num_threads(threads_for(n, 1 << 16, threads)) schedule(static)
    for (int64_t i0 = 0; i0 < n; i0 += 4096) {
        int64_t i1 = i0 + 4096 < n ? i0 + 4096 : n;
        int64_t i = i0;
#if defined(__F16C__)
        for (; i + 8 <= i1; i += 8) {
            __m128i h = _mm_loadu_si128((const __m128i *)(x + i));
            _mm256_storeu_ps(y + i, _mm256_cvtph_ps(h));
        }
#endif
        for (; i < i1; i++) y[i] = f16_to_f32(x[i]);
    }
}

void convert_bf16_to_f32(const uint16_t *x, float *y, int64_t n, int threads) {
#pragma omp parallel for num_threads(threads_for(n, 1 << 16, threads)) schedule(static)
    for (int64_t i0 = 0; i0 < n; i0 += 4096) {
        int64_t i1 = i0 + 4096 < n ? i0 + 4096 : n;
        int64_t i = i0;
#if defined(__AVX2__)
        for (; i + 8 <= i1; i += 8) {
            __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(x + i)));
            _mm256_storeu_ps(y + i, _mm256_castsi256_ps(_mm256_slli_epi32(w, 16)));
        }
#endif
        for (; i < i1; i++) y[i] = bf16_to_f32(x[i]);
    }
}

void convert_f32_to_f16(const float *x, uint16_t *y, int64_t n, int threads) {
#pragma omp parallel for num_threads(threads_for(n, 1 << 16, threads)) schedule(static)
    for (int64_t i0 = 0; i0 < n; i0 += 4096) {
        int64_t i1 = i0 + 4096 < n ? i0 + 4096 : n;
        int64_t i = i0;
#if defined(__F16C__)
        for (; i + 8 <= i1; i += 8) {
            __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
            _mm_storeu_si128((__m128i *)(y + i), h);
        }
#endif
        for (; i < i1; i++) y[i] = f32_to_f16(x[i]);
    }
}

void convert_f32_to_bf16(const float *x, uint16_t *y, int64_t n, int threads) {
#pragma omp parallel for num_threads(threads_for(n, 1 << 16, threads)) schedule(static)
    for (int64_t i = 0; i < n; i++) y[i] = f32_to_bf16(x[i]);
}

}  // namespace CORTADO_NS
