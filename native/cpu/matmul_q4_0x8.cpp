// Q4_0 weights repacked for the engine ("q4_0x8"): the same bytes as GGUF's Q4_0, reordered so that
// one AVX2 vector holds 8 rows. Compiled once per ISA (see Makefile).
//
// Why: decoding one token is one pass over every weight, and on two cores the row-by-row int8 dot of
// matmul.cpp (dot_q4_0: ~12 instructions per row and block of 32, a horizontal sum per row) tops out
// near 11 GB/s per core, below what the memory delivers. Here the int32 lanes of a vector are 8
// different rows, so a block of 8 rows is 4 loads, 12 nibble unpacks, 8 broadcasts of x, 8 vpmaddubsw,
// 8 int16 adds, one vpmaddwd, one conversion and two FMAs: ~6 instructions per row and block, and
// no horizontal sums (tools/bench/matmul-ab-x8 numbers in BENCHMARKS.md).
//
// Layout, for W (OC, C) with OC a multiple of 8 and C of 32: group g (rows 8g .. 8g+7) is C / 32
// blocks of 144 bytes, one after another; block b is
//   bytes [0, 16)     the 8 rows' fp16 scales d, row r at 2r
//   bytes [16, 144)   4 vectors of 32 bytes; vector j holds at bytes 4r .. 4r+3 row r's Q4_0 bytes
//                     4j .. 4j+3 of block b, whose low nibbles are weights 4j .. 4j+3 and high
//                     nibbles weights 16+4j .. 16+4j+3 (each weight = d * (nibble - 8)).
// The groups follow each other, so the matrix is exactly as large as in Q4_0 and one thread's rows
// are one sequential stream.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>

#include "blocks.h"
#include "common.h"
#include "isa.h"
#include "simd.h"
#include "xq8.h"

namespace CORTADO_NS {

using namespace cortado;

namespace {

constexpr int64_t GROUP_BLOCK_BYTES = 144;  // 8 rows x (2 + 16) bytes

// Modes of the fused products (kernels.h, as matmul.cpp): store, add, SwiGLU.
enum FusedMode { FUSED_STORE = 0, FUSED_ADD = 1, FUSED_SWIGLU = 2 };

// Weights per thread before a product is split across threads (decoding: a 576 x 576 matrix is
// 190 KB, ~15 us on one core, about what handing half of it to another thread saves).
constexpr int64_t GRAIN = 1 << 18;

#if defined(__AVX2__)
// Bytes ahead of the block being read that the kernel prefetches, a cache line at a time. The
// hardware prefetchers stop at 4 KB pages; measured on 75 MB matrices (one thread, T = 1): 2 KB ahead
// 13.7 GB/s, 8 KB 13.1, 32 KB 13.8, without 6.9.
constexpr int64_t PREFETCH = 4096;

// x's rows, quantized: q (T, C), per row and block d and s8 = 8 * s (the "- 8" of every nibble).
struct XRows {
    int8_t *q = nullptr;
    float *d = nullptr, *s8 = nullptr;
    int64_t nb;
    XRows(const float *x, int64_t T, int64_t C, int threads) : nb(C / 32) {
        q = (int8_t *)aligned_alloc(32, (size_t)(T * C + 32));
        d = (float *)malloc((size_t)(2 * T * nb + 8) * sizeof(float));
        if (!q || !d) abort();  // T x C bytes: the caller already holds 4 x that in x
        s8 = d + T * nb;
#pragma omp parallel for num_threads(threads_for(T * C, 1 << 16, threads)) schedule(static)
        for (int64_t t = 0; t < T; t++) {
            quantize_x_q8(x + t * C, C, q + t * C, d + t * nb, s8 + t * nb);
            for (int64_t b = 0; b < nb; b++) s8[t * nb + b] *= 8.0f;
        }
    }
    ~XRows() {
        free(q);
        free(d);
    }
};

// out[i * ldo + r] = row 8g + r of W . x row t0 + i, r < 8, i < M: one group against M rows of x.
// A block's nibbles are unpacked once for the M rows; per row of x, the 8 steps of 4 weights sum in
// int16 (16 products of <= 15 x 127 each stay below 32768) in two chains, then one vpmaddwd.
template <int M>
inline void group_dot(const uint8_t *gp, int64_t nb, const XRows &x, int64_t t0, float *out, int64_t ldo) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
    __m256 acc[M];
    CORTADO_UNROLL for (int i = 0; i < M; i++) acc[i] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *blk = gp + GROUP_BLOCK_BYTES * b;
        _mm_prefetch((const char *)(blk + PREFETCH), _MM_HINT_T0);
        _mm_prefetch((const char *)(blk + PREFETCH + 64), _MM_HINT_T0);
        _mm_prefetch((const char *)(blk + PREFETCH + 128), _MM_HINT_T0);
        __m256i lo[4], hi[4];
        CORTADO_UNROLL for (int j = 0; j < 4; j++) {
            const __m256i v = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * j));
            lo[j] = _mm256_and_si256(v, m4);
            hi[j] = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
        }
        const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)blk));
        CORTADO_UNROLL for (int i = 0; i < M; i++) {
            const int64_t t = t0 + i;
            const int32_t *x4 = (const int32_t *)(x.q + (t * x.nb + b) * 32);
            __m256i a = _mm256_maddubs_epi16(lo[0], _mm256_set1_epi32(x4[0]));
            __m256i c = _mm256_maddubs_epi16(hi[0], _mm256_set1_epi32(x4[4]));
            CORTADO_UNROLL for (int j = 1; j < 4; j++) {
                a = _mm256_add_epi16(a, _mm256_maddubs_epi16(lo[j], _mm256_set1_epi32(x4[j])));
                c = _mm256_add_epi16(c, _mm256_maddubs_epi16(hi[j], _mm256_set1_epi32(x4[4 + j])));
            }
            const __m256 s = _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_add_epi16(a, c), ones));
            // d_w * (d_x * sum(nibble * q) - 8 * d_x * sum(q))
            const __m256 v = _mm256_fmsub_ps(s, _mm256_broadcast_ss(x.d + t * x.nb + b), _mm256_broadcast_ss(x.s8 + t * x.nb + b));
            acc[i] = _mm256_fmadd_ps(dw, v, acc[i]);
        }
    }
    CORTADO_UNROLL for (int i = 0; i < M; i++) _mm256_storeu_ps(out + i * ldo, acc[i]);
}

// out (T, 8) for rows [t0, t0 + n) of x, in tiles of 4 rows.
inline void group_rows(const uint8_t *gp, int64_t nb, const XRows &x, int64_t t0, int64_t n, float *out) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) group_dot<4>(gp, nb, x, t0 + i, out + 8 * i, 8);
    switch (n - i) {
        case 3: group_dot<3>(gp, nb, x, t0 + i, out + 8 * i, 8); break;
        case 2: group_dot<2>(gp, nb, x, t0 + i, out + 8 * i, 8); break;
        case 1: group_dot<1>(gp, nb, x, t0 + i, out + 8 * i, 8); break;
        default: break;
    }
}
#else
// The portable build: each weight decoded to float, an exact float dot (no x rounding).
struct XRows {
    const float *x;
    int64_t C;
    XRows(const float *x, int64_t, int64_t C, int) : x(x), C(C) {}
};

inline void group_rows(const uint8_t *gp, int64_t nb, const XRows &x, int64_t t0, int64_t n, float *out) {
    for (int64_t i = 0; i < n; i++) {
        const float *xt = x.x + (t0 + i) * x.C;
        float acc[8] = {0};
        for (int64_t b = 0; b < nb; b++) {
            const uint8_t *blk = gp + GROUP_BLOCK_BYTES * b;
            const float *xb = xt + 32 * b;
            for (int r = 0; r < 8; r++) {
                float s = 0.0f;
                for (int j = 0; j < 4; j++)
                    for (int k = 0; k < 4; k++) {
                        const uint8_t q = blk[16 + 32 * j + 4 * r + k];
                        s += (float)((q & 0x0F) - 8) * xb[4 * j + k] + (float)((q >> 4) - 8) * xb[16 + 4 * j + k];
                    }
                acc[r] += load_half(blk + 2 * r) * s;
            }
        }
        memcpy(out + 8 * i, acc, sizeof acc);
    }
}
#endif

// Rows of x per pass over a group when T is large: the group's weights (C / 32 x 144 bytes) stay in
// L1/L2 while x's rows stream by.
constexpr int64_t TT = 64;

}  // namespace

void repack_q4_0x8(const void *w, void *out, int64_t C, int64_t OC, int threads) {
    const int64_t nb = C / 32, groups = OC / 8;
    const uint8_t *src = (const uint8_t *)w;
    uint8_t *dst = (uint8_t *)out;
#pragma omp parallel for num_threads(threads_for(C * OC, 1 << 20, threads)) schedule(static)
    for (int64_t g = 0; g < groups; g++) {
        for (int64_t b = 0; b < nb; b++) {
            uint8_t *o = dst + (g * nb + b) * GROUP_BLOCK_BYTES;
            for (int r = 0; r < 8; r++) {
                const uint8_t *blk = src + ((8 * g + r) * nb + b) * 18;
                memcpy(o + 2 * r, blk, 2);
                for (int j = 0; j < 4; j++) memcpy(o + 16 + 32 * j + 4 * r, blk + 2 + 4 * j, 4);
            }
        }
    }
}

void matmul_forward_q4_0x8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads) {
    const int64_t nb = C / 32, groups = OC / 8;
    const uint8_t *wp = (const uint8_t *)w;
    const XRows xr(x, T, C, threads);
#pragma omp parallel for num_threads(threads_for(T * C * OC, GRAIN, threads)) schedule(static)
    for (int64_t g = 0; g < groups; g++) {
        float out[8 * TT];
        for (int64_t t0 = 0; t0 < T; t0 += TT) {
            const int64_t n = std::min(TT, T - t0);
            group_rows(wp + g * nb * GROUP_BLOCK_BYTES, nb, xr, t0, n, out);
            for (int64_t i = 0; i < n; i++) memcpy(y + (t0 + i) * OC + 8 * g, out + 8 * i, 8 * sizeof(float));
        }
    }
}

// Up to three products with one x as one parallel region over all their groups (matmul.cpp's fused_q8
// for this layout): store, add into y, or SwiGLU of group g of w[0] (gate) and w[1] (up) into y[0].
void matmul_forward_fused_q4_0x8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2,
                                 int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode,
                                 int threads) {
    const uint8_t *w[3] = {(const uint8_t *)w0, (const uint8_t *)w1, (const uint8_t *)w2};
    float *y[3] = {y0, y1, y2};
    const int64_t oc[3] = {oc0, oc1, oc2}, nb = C / 32;
    const int nm = mode == FUSED_SWIGLU ? 1 : 3;
    int64_t groups[3] = {0, 0, 0}, total = 0, work = 0;
    for (int m = 0; m < nm; m++) {
        groups[m] = oc[m] / 8;
        total += groups[m];
        work += T * C * oc[m] * (mode == FUSED_SWIGLU ? 2 : 1);
    }
    const XRows xr(x, T, C, threads);
#pragma omp parallel for num_threads(threads_for(work, GRAIN, threads)) schedule(static)
    for (int64_t gi = 0; gi < total; gi++) {
        int m = 0;
        int64_t g = gi;
        while (g >= groups[m]) g -= groups[m++];
        const int64_t ld = oc[m];
        float a[8 * TT], u[8 * TT];
        for (int64_t t0 = 0; t0 < T; t0 += TT) {
            const int64_t n = std::min(TT, T - t0);
            group_rows(w[m] + g * nb * GROUP_BLOCK_BYTES, nb, xr, t0, n, a);
            if (mode == FUSED_SWIGLU) {
                group_rows(w[1] + g * nb * GROUP_BLOCK_BYTES, nb, xr, t0, n, u);
                cortado_simd::silu_mul_span(a, a, u, 8 * n);  // as swiglu_forward_f32 computes each element
            }
            for (int64_t i = 0; i < n; i++) {
                float *yo = y[m] + (t0 + i) * ld + 8 * g;
                for (int r = 0; r < 8; r++) yo[r] = mode == FUSED_ADD ? yo[r] + a[8 * i + r] : a[8 * i + r];
            }
        }
    }
}

}  // namespace CORTADO_NS
