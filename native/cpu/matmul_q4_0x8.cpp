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
#include "q8_tile.h"
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
// hardware prefetchers stop at 4 KB pages; measured on 75 MB matrices (T = 1): without it 6.9 GB/s on
// one thread; 1, 4, 8 or 16 KB ahead 14-15 GB/s on one thread and 18-25 on two (within the noise).
constexpr int64_t PREFETCH = 4096;

// x's rows, quantized: q (T, C), per row and block d, s and s8 = 8 * s (the "- 8" of every nibble).
struct XRows {
    int8_t *q = nullptr;
    float *d = nullptr, *s = nullptr, *s8 = nullptr;
    int64_t nb;
    XRows(const float *x, int64_t T, int64_t C, int threads) : nb(C / 32) {
        q = (int8_t *)aligned_alloc(32, (size_t)(T * C + 32));
        d = (float *)malloc((size_t)(3 * T * nb + 8) * sizeof(float));
        if (!q || !d) abort();  // T x C bytes: the caller already holds 4 x that in x
        s = d + T * nb;
        s8 = s + T * nb;
#pragma omp parallel for num_threads(threads_for(T * C, 1 << 16, threads)) schedule(static)
        for (int64_t t = 0; t < T; t++) {
            quantize_x_q8(x + t * C, C, q + t * C, d + t * nb, s + t * nb);
            for (int64_t b = 0; b < nb; b++) s8[t * nb + b] = 8.0f * s[t * nb + b];
        }
    }
    ~XRows() {
        free(q);
        free(d);
    }
};

// out[i * ldo + r] = row 8g + r of W . x row t0 + i, r < 8, i < M: one group against M rows of x.
// A block's nibbles are unpacked once for the M rows; per row of x, the 8 steps of 4 weights sum in
// int16 (16 products of <= 15 x 127 each stay below 32768), then one vpmaddwd. One row (decoding)
// keeps two chains of int16 adds (low and high nibbles) so they do not wait on each other; several
// rows take the steps in the outer loop, one chain per row, so that everything stays in 16 registers.
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
        const int32_t *x4[M];
        CORTADO_UNROLL for (int i = 0; i < M; i++) x4[i] = (const int32_t *)(x.q + ((t0 + i) * x.nb + b) * 32);
        __m256i s16[M];
        if (M == 1) {
            __m256i a = _mm256_setzero_si256(), c = a;
            CORTADO_UNROLL for (int j = 0; j < 4; j++) {
                const __m256i v = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * j));
                a = _mm256_add_epi16(a, _mm256_maddubs_epi16(_mm256_and_si256(v, m4), _mm256_set1_epi32(x4[0][j])));
                c = _mm256_add_epi16(c, _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4), _mm256_set1_epi32(x4[0][4 + j])));
            }
            s16[0] = _mm256_add_epi16(a, c);
        } else {
            CORTADO_UNROLL for (int i = 0; i < M; i++) s16[i] = _mm256_setzero_si256();
            CORTADO_UNROLL for (int j = 0; j < 4; j++) {
                const __m256i v = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * j));
                const __m256i lo = _mm256_and_si256(v, m4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
                CORTADO_UNROLL for (int i = 0; i < M; i++) {
                    s16[i] = _mm256_add_epi16(s16[i], _mm256_maddubs_epi16(lo, _mm256_set1_epi32(x4[i][j])));
                    s16[i] = _mm256_add_epi16(s16[i], _mm256_maddubs_epi16(hi, _mm256_set1_epi32(x4[i][4 + j])));
                }
            }
        }
        const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)blk));
        CORTADO_UNROLL for (int i = 0; i < M; i++) {
            const int64_t t = t0 + i;
            const __m256 s = _mm256_cvtepi32_ps(_mm256_madd_epi16(s16[i], ones));
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

// ---- T > 3 (prompts): matmul.cpp's int8 register tiles (q8_tile.h) ------------------------------
// A span of a group's blocks is unpacked into Q8Group's layout (the packed vector j's low nibbles are
// its step j, the high ones step j + 4; c = -8 d) and multiplied by 4 rows of x at a time, a tile of 8
// groups and one span of columns at a time, as matmul.cpp's forward_q8_tiles does for Q4_0 rows.
struct Q4_0x8Levels {
    static constexpr bool SIGNED = false, SC16 = false, CORR = true;
    static constexpr int LEVEL_MAX = 15;
};

constexpr int64_t SPAN = 1024;  // columns per unpacked span: 8 groups' 10 KB each stay in L2
constexpr int64_t TILE_GROUPS = 8;

// blocks [b0, b0 + kb) of group gp -> g (q: kb x 256 bytes, d and c: kb x 8 floats)
inline void unpack_span(const uint8_t *gp, int64_t b0, int64_t kb, const Q8Group &g) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256 minus8 = _mm256_set1_ps(-8.0f);
    for (int64_t i = 0; i < kb; i++) {
        const uint8_t *blk = gp + GROUP_BLOCK_BYTES * (b0 + i);
        CORTADO_UNROLL for (int j = 0; j < 4; j++) {
            const __m256i v = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * j));
            _mm256_store_si256((__m256i *)(g.q + 256 * i + 32 * j), _mm256_and_si256(v, m4));
            _mm256_store_si256((__m256i *)(g.q + 256 * i + 32 * (j + 4)), _mm256_and_si256(_mm256_srli_epi16(v, 4), m4));
        }
        const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)blk));
        _mm256_store_ps(g.d + 8 * i, dw);
        _mm256_store_ps(g.c + 8 * i, _mm256_mul_ps(dw, minus8));
    }
}

// y (T, OC) (+)= x . W^T for T > 3, W packed with OC / 8 groups.
void prefill(const uint8_t *w, float *y, int64_t OC, const XRows &x, int64_t T, int64_t C, bool add, int threads) {
    const int64_t nb = C / 32, groups = OC / 8, tiles = (groups + TILE_GROUPS - 1) / TILE_GROUPS;
    const int64_t kbmax = std::min(SPAN, C) / 32;
#pragma omp parallel num_threads((int)std::min<int64_t>(threads_for(T * C * OC, GRAIN, threads), tiles))
    {
        const size_t group_bytes = (size_t)(kbmax * (256 + 32 + 32));
        int8_t *mem = (int8_t *)aligned_alloc(32, TILE_GROUPS * group_bytes);
        if (!mem) abort();  // ~80 KB: failing here means the process is already lost
        Q8Group gs[TILE_GROUPS];
        for (int64_t i = 0; i < TILE_GROUPS; i++) {
            int8_t *base = mem + i * group_bytes;
            gs[i] = Q8Group{base, (float *)(base + 256 * kbmax), (float *)(base + 288 * kbmax), nullptr};
        }
#pragma omp for schedule(static)
        for (int64_t tile = 0; tile < tiles; tile++) {
            const int64_t g0 = tile * TILE_GROUPS, ng = std::min(TILE_GROUPS, groups - g0);
            for (int64_t b0 = 0; b0 < nb; b0 += kbmax) {
                const int64_t kb = std::min(kbmax, nb - b0);
                for (int64_t i = 0; i < ng; i++) unpack_span(w + (g0 + i) * nb * GROUP_BLOCK_BYTES, b0, kb, gs[i]);
                const bool acc = add || b0 > 0;
                for (int64_t i = 0; i < ng; i++) {
                    float *yg = y + 8 * (g0 + i);
                    for (int64_t t = 0; t < T; t += 4) {
                        const int8_t *xq = x.q + t * C + 32 * b0;
                        const float *xd = x.d + t * nb + b0, *xs = x.s + t * nb + b0;
                        switch (std::min<int64_t>(4, T - t)) {
                            case 4: q8_micro<4, Q4_0x8Levels>(xq, C, xd, xs, nb, gs[i], kb, yg + t * OC, OC, acc); break;
                            case 3: q8_micro<3, Q4_0x8Levels>(xq, C, xd, xs, nb, gs[i], kb, yg + t * OC, OC, acc); break;
                            case 2: q8_micro<2, Q4_0x8Levels>(xq, C, xd, xs, nb, gs[i], kb, yg + t * OC, OC, acc); break;
                            default: q8_micro<1, Q4_0x8Levels>(xq, C, xd, xs, nb, gs[i], kb, yg + t * OC, OC, acc); break;
                        }
                    }
                }
            }
        }
        free(mem);
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

// Rows of x per pass over the weights (the portable build's prompts; decoding is one pass): a pass's
// rows of x (rows x C bytes) stay in L2 while every group of W streams by once.
constexpr int64_t TT = 64;
inline int64_t rows_per_pass(int64_t C) { return std::min<int64_t>(TT, std::max<int64_t>(4, (256 * 1024 / C) & ~(int64_t)3)); }

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
#if defined(__AVX2__)
    if (T > 3) {
        if (mode == FUSED_SWIGLU) {  // gate into y0, up beside it, then SwiGLU as swiglu_forward_f32
            float *up = (float *)malloc((size_t)(T * oc[0]) * sizeof(float));
            if (!up) abort();  // as large as y0, which the caller holds
            prefill(w[0], y[0], oc[0], xr, T, C, false, threads);
            prefill(w[1], up, oc[0], xr, T, C, false, threads);
            cortado_simd::silu_mul_span(y[0], y[0], up, T * oc[0]);
            free(up);
            return;
        }
        for (int m = 0; m < 3; m++)
            if (oc[m] > 0) prefill(w[m], y[m], oc[m], xr, T, C, mode == FUSED_ADD, threads);
        return;
    }
#endif
    const int64_t tt = rows_per_pass(C);
#pragma omp parallel num_threads(threads_for(work, GRAIN, threads))
    {
        float a[8 * TT], u[8 * TT];
        for (int64_t t0 = 0; t0 < T; t0 += tt) {
            const int64_t n = std::min(tt, T - t0);
#pragma omp for schedule(static)
            for (int64_t gi = 0; gi < total; gi++) {
                int m = 0;
                int64_t g = gi;
                while (g >= groups[m]) g -= groups[m++];
                const int64_t ld = oc[m];
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
}

// The plain product: the fused one with a single weight, stored.
void matmul_forward_q4_0x8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads) {
    matmul_forward_fused_q4_0x8(w, nullptr, nullptr, y, nullptr, nullptr, OC, 0, 0, x, T, C, FUSED_STORE, threads);
}

}  // namespace CORTADO_NS
