// Quantized weights repacked for the engine ("x8" layouts): one AVX2 vector holds 8 rows. Compiled
// once per ISA (see Makefile). Layouts: Q4_0 -> q4_0x8, Q4_K -> q4_kx8, Q8_0 -> q8_0x8, Q5_0 -> q5_0x8,
// Q6_K -> q6_kx8.
//
// Why: decoding one token is one pass over every weight, and on two cores the row-by-row int8 dots of
// matmul.cpp (dot_q4_0: ~12 instructions per row and block of 32, a horizontal sum per row; dot_q4_k
// more, with scalar scale decoding) top out near 11 GB/s per core, below what the memory delivers.
// Here the int32 lanes of a vector are 8 different rows, so a block of 32 columns of 8 rows is 4 loads,
// 12 nibble unpacks, 8 broadcasts of x, 8 vpmaddubsw, 8 int16 adds, one vpmaddwd, one conversion and
// an FMA or two: ~6 instructions per row and block, and no horizontal sums (BENCHMARKS.md, #3).
//
// q4_0x8, for W (OC, C) with OC a multiple of 8 and C of 32: group g (rows 8g .. 8g+7) is C / 32
// units of 144 bytes, one after another; unit b (columns 32b .. 32b+31) is
//   bytes [0, 16)     the 8 rows' fp16 scales d, row r at 2r
//   bytes [16, 144)   4 vectors of 32 bytes; vector j holds at bytes 4r .. 4r+3 row r's Q4_0 bytes
//                     4j .. 4j+3 of block b, whose low nibbles are weights 4j .. 4j+3 and high
//                     nibbles weights 16+4j .. 16+4j+3 (each weight = d * (nibble - 8)).
// Exactly as large as Q4_0.
//
// q4_kx8, C a multiple of 256: group g is C / 256 units of 1184 bytes; unit u (a Q4_K super-block) is
//   bytes [0, 16)      the 8 rows' fp16 d;  [16, 32) their fp16 dmin
//   bytes [32, 96)     the 6-bit sub-block scales as bytes, sub-block s of row r at 32 + 8s + r
//   bytes [96, 160)    the 6-bit sub-block mins, likewise at 96 + 8s + r
//   bytes [160, 1184)  per pair p of sub-blocks (2p, 2p+1), 8 vectors of 32 bytes: vector j holds at
//                      bytes 4r .. 4r+3 row r's Q4_K bytes qs[32p + 4j .. 32p + 4j + 3], whose low
//                      nibbles are weights 4j .. 4j+3 of sub-block 2p and high nibbles those of 2p+1
//                      (each weight = d * scale_s * nibble - dmin * min_s).
// 2.8% larger than Q4_K (its 12 bytes of packed 6-bit scales and mins take 16 here).
//
// q8_0x8, C a multiple of 32: group g is C / 32 units of 272 bytes: the 8 rows' fp16 d, then 8 vectors
// of 32 bytes, vector j holding at bytes 4r .. 4r+3 row r's int8 weights 4j .. 4j+3. Same size as Q8_0.
//
// q5_0x8, C a multiple of 32: group g is C / 32 units of 176 bytes: the 8 rows' fp16 d; 8 x 4 bytes of
// fifth bits, row r's at 16 + 4r, permuted so that bit s of byte k belongs to the weight that step s
// puts in byte k; then the nibbles as in q4_0x8 (weight = d * ((nibble | fifth << 4) - 16)). Same size.
//
// q6_kx8, C a multiple of 256: group g is C / 256 units of 1680 bytes (a Q6_K super-block of 8 rows):
//   bytes [0, 16)      the 8 rows' fp16 d
//   bytes [16, 144)    the int8 sub-block scales, sub-block s (16 columns) of row r at 16 + 8s + r
//   bytes [144, 1680)  per block b of 32 columns, 192 bytes at 144 + 192b: 4 vectors of 32 bytes whose
//                      bytes 4r .. 4r+3 of vector j hold row r's levels' low 4 bits of step j (weights
//                      4j .. 4j+3 of the block) in the low nibbles and of step j + 4 in the high ones;
//                      then 2 vectors whose byte 4r + k of vector h holds the 2 high bits of step 4h + i's
//                      weight k at bits 2i .. 2i+1 (weight = d * scale * (level - 32), level 0..63).
// Same size as Q6_K.
//
// All: the groups follow each other, so one thread's rows are one sequential stream.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <type_traits>

#include "blocks.h"
#include "common.h"
#include "isa.h"
#include "q8_tile.h"
#include "simd.h"
#include "team.h"
#include "xq8.h"

namespace CORTADO_NS {

using namespace cortado;

namespace {

// Modes of the fused products (kernels.h, as matmul.cpp): store, add, SwiGLU.
enum FusedMode { FUSED_STORE = 0, FUSED_ADD = 1, FUSED_SWIGLU = 2 };

// Weights per thread before a product is split across threads (decoding: a 576 x 576 matrix is
// 190 KB, ~15 us on one core, about what handing half of it to another thread saves).
constexpr int64_t GRAIN = 1 << 18;

#if defined(__AVX2__)
// Bytes ahead of the unit being read that the kernels prefetch, a cache line at a time. The
// hardware prefetchers stop at 4 KB pages; measured on 75 MB matrices (T = 1): without it 6.9 GB/s on
// one thread; 1, 4, 8 or 16 KB ahead 14-15 GB/s on one thread and 18-25 on two (within the noise).
constexpr int64_t PREFETCH = 4096;

inline void prefetch_lines(const uint8_t *p, int64_t n) {
    for (int64_t o = 0; o < n; o += 64) _mm_prefetch((const char *)(p + PREFETCH + o), _MM_HINT_T0);
}

// x's rows, quantized: q (T, C), per row and block of 32 d, s and s8 = 8 * s (q4_0's "- 8").
struct XRows {
    int8_t *q = nullptr;
    float *d = nullptr, *s = nullptr, *s8 = nullptr;
    int64_t nb;
    XRows(const float *x, int64_t T, int64_t C, int threads) : nb(C / 32) {
        allocate(T, C);
#pragma omp parallel for num_threads(threads_for(T * C, 1 << 16, threads)) schedule(static)
        for (int64_t t = 0; t < T; t++) quantize(x, t, C);
    }
    // One row, quantized by the calling thread alone (inside a parallel region: a private copy).
    XRows(const float *x, int64_t C) : nb(C / 32) {
        allocate(1, C);
        quantize(x, 0, C);
    }
    void allocate(int64_t T, int64_t C) {
        q = (int8_t *)aligned_alloc(32, (size_t)(T * C + 32));
        d = (float *)malloc((size_t)(3 * T * nb + 8) * sizeof(float));
        if (!q || !d) abort();  // T x C bytes: the caller already holds 4 x that in x
        s = d + T * nb;
        s8 = s + T * nb;
    }
    void quantize(const float *x, int64_t t, int64_t C) {
        quantize_x_q8(x + t * C, C, q + t * C, d + t * nb, s + t * nb);
        for (int64_t b = 0; b < nb; b++) s8[t * nb + b] = 8.0f * s[t * nb + b];
    }
    ~XRows() {
        free(q);
        free(d);
        free(off);
    }
    const int32_t *x4(int64_t t, int64_t b) const { return (const int32_t *)(q + (t * nb + b) * 32); }

    // For levels offset by 32 (q6_kx8): per row, block b and pair p of steps (2p, 2p + 1), the int16 pair
    // that vpmaddubsw of a level 32 against that pair's x gives: 32 (x0 + x1 + x4 + x5), 32 (x2 + x3 + x6 + x7)
    // of the pair's 8 bytes, so that sum((level - 32) x) = the unsigned products minus this (see Q6_Kx8::dot).
    int32_t *off = nullptr;
    void offsets32(int64_t T) {
        off = (int32_t *)malloc((size_t)(T * nb * 4 + 1) * sizeof(int32_t));
        if (!off) abort();  // as allocate()
        for (int64_t i = 0; i < T * nb * 4; i++) {
            const int8_t *b = q + 8 * i;
            const int16_t lo = (int16_t)(32 * (b[0] + b[1] + b[4] + b[5])), hi = (int16_t)(32 * (b[2] + b[3] + b[6] + b[7]));
            off[i] = (int32_t)(uint16_t)lo | (int32_t)((uint32_t)(uint16_t)hi << 16);
        }
    }
};

// Unsigned nibble levels with an offset term, and signed int8 levels, for q8_micro (q8_tile.h).
struct NibbleLevels {
    static constexpr bool SIGNED = false, SC16 = false, CORR = true;
    static constexpr int LEVEL_MAX = 15;
};
struct Nibble5Levels {
    static constexpr bool SIGNED = false, SC16 = false, CORR = true;
    static constexpr int LEVEL_MAX = 31;
};
struct SignedLevels {
    static constexpr bool SIGNED = true, SC16 = false, CORR = false;
    static constexpr int LEVEL_MAX = 127;
};
struct Q6Levels {  // Q6_K: level - 32, with 16-weight sub-scales (matmul.cpp's Q6_KSpan)
    static constexpr bool SIGNED = true, SC16 = true, CORR = false;
    static constexpr int LEVEL_MAX = 32;
};

// The 8 bytes at p (one per row) as floats.
inline __m256 bytes8(const uint8_t *p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)));
}
#else
// The portable build: each weight decoded to float, an exact float dot (no x rounding).
struct XRows {
    const float *x;
    int64_t C;
    XRows(const float *x, int64_t, int64_t C, int) : x(x), C(C) {}
    XRows(const float *x, int64_t C) : x(x), C(C) {}
};
#endif

// The 32-column layouts' repack: unit b of group g gets, from each row r's block b (BLOCK bytes,
// its fp16 d first), d at 2r and STEPS runs of 4 quant bytes (from QS in the block) at AT + 32j + 4r.
template <int BLOCK, int QS, int STEPS, int AT, int UNIT_BYTES>
void repack_steps(const uint8_t *src, uint8_t *dst, int64_t g, int64_t nu) {
    for (int64_t b = 0; b < nu; b++) {
        uint8_t *o = dst + (g * nu + b) * UNIT_BYTES;
        for (int r = 0; r < 8; r++) {
            const uint8_t *blk = src + ((8 * g + r) * nu + b) * BLOCK;
            memcpy(o + 2 * r, blk, 2);
            for (int j = 0; j < STEPS; j++) memcpy(o + AT + 32 * j + 4 * r, blk + QS + 4 * j, 4);
        }
    }
}

// ---- q4_0x8 -------------------------------------------------------------------------------------
struct Q4_0x8 {
    static constexpr int64_t UNIT = 32, UNIT_BYTES = 144;
#if defined(__AVX2__)
    using Levels = NibbleLevels;
#endif

    static void repack(const uint8_t *src, uint8_t *dst, int64_t g, int64_t nu) {
        repack_steps<18, 2, 4, 16, UNIT_BYTES>(src, dst, g, nu);
    }

#if defined(__AVX2__)
    // out[i * 8 + r] = row 8g + r of W . x row t0 + i, r < 8, i < M (decoding: M <= 3). A block's nibbles
    // are unpacked once for the M rows; per row of x, the 8 steps of 4 weights sum in int16 (16
    // products of <= 15 x 127 each stay below 32768), then one vpmaddwd. One row keeps two chains of
    // int16 adds (low and high nibbles) so they do not wait on each other; several rows take the steps
    // in the outer loop, one chain per row, so that everything stays in 16 registers.
    template <int M>
    static void dot(const uint8_t *gp, int64_t nu, const XRows &x, int64_t t0, float *out) {
        const __m256i m4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
        __m256 acc[M];
        CORTADO_UNROLL for (int i = 0; i < M; i++) acc[i] = _mm256_setzero_ps();
        for (int64_t b = 0; b < nu; b++) {
            const uint8_t *blk = gp + UNIT_BYTES * b;
            prefetch_lines(blk, UNIT_BYTES);
            __m256i s16[M];
            if (M == 1) {
                const int32_t *x4 = x.x4(t0, b);
                __m256i a = _mm256_setzero_si256(), c = a;
                CORTADO_UNROLL for (int j = 0; j < 4; j++) {
                    const __m256i v = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * j));
                    a = _mm256_add_epi16(a, _mm256_maddubs_epi16(_mm256_and_si256(v, m4), _mm256_set1_epi32(x4[j])));
                    c = _mm256_add_epi16(c, _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4), _mm256_set1_epi32(x4[4 + j])));
                }
                s16[0] = _mm256_add_epi16(a, c);
            } else {
                CORTADO_UNROLL for (int i = 0; i < M; i++) s16[i] = _mm256_setzero_si256();
                CORTADO_UNROLL for (int j = 0; j < 4; j++) {
                    const __m256i v = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * j));
                    const __m256i lo = _mm256_and_si256(v, m4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
                    CORTADO_UNROLL for (int i = 0; i < M; i++) {
                        const int32_t *x4 = x.x4(t0 + i, b);
                        s16[i] = _mm256_add_epi16(s16[i], _mm256_maddubs_epi16(lo, _mm256_set1_epi32(x4[j])));
                        s16[i] = _mm256_add_epi16(s16[i], _mm256_maddubs_epi16(hi, _mm256_set1_epi32(x4[4 + j])));
                    }
                }
            }
            const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)blk));
            CORTADO_UNROLL for (int i = 0; i < M; i++) {
                const int64_t t = t0 + i;
                const __m256 sum = _mm256_cvtepi32_ps(_mm256_madd_epi16(s16[i], ones));
                // d_w * (d_x * sum(nibble * q) - 8 * d_x * sum(q))
                const __m256 v = _mm256_fmsub_ps(sum, _mm256_broadcast_ss(x.d + t * x.nb + b), _mm256_broadcast_ss(x.s8 + t * x.nb + b));
                acc[i] = _mm256_fmadd_ps(dw, v, acc[i]);
            }
        }
        CORTADO_UNROLL for (int i = 0; i < M; i++) _mm256_storeu_ps(out + 8 * i, acc[i]);
    }

    // units [u0, u0 + nu) of group gp -> g's layout (q8_tile.h): the packed vector j's low nibbles are
    // step j of the block, the high ones step j + 4; c = -8 d.
    static void unpack(const uint8_t *gp, int64_t u0, int64_t nu, const Q8Group &g) {
        const __m256i m4 = _mm256_set1_epi8(0x0F);
        const __m256 minus8 = _mm256_set1_ps(-8.0f);
        for (int64_t i = 0; i < nu; i++) {
            const uint8_t *blk = gp + UNIT_BYTES * (u0 + i);
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
#else
    // one row of x (C floats) against group gp: out[r], r < 8
    static void dot_ref(const uint8_t *gp, int64_t nu, const float *xt, float *out) {
        float acc[8] = {0};
        for (int64_t b = 0; b < nu; b++) {
            const uint8_t *blk = gp + UNIT_BYTES * b;
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
        memcpy(out, acc, sizeof acc);
    }
#endif
};

// ---- q4_kx8 -------------------------------------------------------------------------------------
struct Q4_Kx8 {
    static constexpr int64_t UNIT = 256, UNIT_BYTES = 1184;
#if defined(__AVX2__)
    using Levels = NibbleLevels;
#endif

    static void repack(const uint8_t *src, uint8_t *dst, int64_t g, int64_t nu) {
        for (int64_t u = 0; u < nu; u++) {
            uint8_t *o = dst + (g * nu + u) * UNIT_BYTES;
            for (int r = 0; r < 8; r++) {
                const uint8_t *blk = src + ((8 * g + r) * nu + u) * 144;
                memcpy(o + 2 * r, blk, 2);
                memcpy(o + 16 + 2 * r, blk + 2, 2);
                for (int sb = 0; sb < 8; sb++) {
                    int sc, m;
                    scale_min_k4(sb, blk + 4, &sc, &m);
                    o[32 + 8 * sb + r] = (uint8_t)sc;
                    o[96 + 8 * sb + r] = (uint8_t)m;
                }
                for (int p = 0; p < 4; p++)
                    for (int j = 0; j < 8; j++) memcpy(o + 160 + 256 * p + 32 * j + 4 * r, blk + 16 + 32 * p + 4 * j, 4);
            }
        }
    }

#if defined(__AVX2__)
    // As Q4_0x8::dot, a super-block at a time: per pair of sub-blocks, 8 vectors give both sub-blocks'
    // int16 sums (8 steps each, below 32768 as above); each sub-block's int32 sums are scaled by its 8
    // rows' scales times x's d, and the mins times x's block sum collect apart: per super-block,
    // acc += d * sum_s (scale_s * d_x * sum(nibble * q)) - dmin * sum_s (min_s * s_x).
    template <int M>
    static void dot(const uint8_t *gp, int64_t nu, const XRows &x, int64_t t0, float *out) {
        const __m256i m4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
        __m256 acc[M];
        CORTADO_UNROLL for (int i = 0; i < M; i++) acc[i] = _mm256_setzero_ps();
        for (int64_t u = 0; u < nu; u++) {
            const uint8_t *blk = gp + UNIT_BYTES * u;
            prefetch_lines(blk, 160);
            const __m256 dv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)blk));
            const __m256 dmv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(blk + 16)));
            for (int i = 0; i < M; i++) {
                const int64_t t = t0 + i;
                __m256 as = _mm256_setzero_ps(), am = _mm256_setzero_ps();
                for (int p = 0; p < 4; p++) {
                    const uint8_t *q = blk + 160 + 256 * p;
                    if (i == 0) prefetch_lines(q, 256);
                    const int64_t b0 = 8 * u + 2 * p;
                    const int32_t *xa = x.x4(t, b0), *xb = x.x4(t, b0 + 1);
                    __m256i a = _mm256_setzero_si256(), c = a;
                    CORTADO_UNROLL for (int j = 0; j < 8; j++) {
                        const __m256i v = _mm256_loadu_si256((const __m256i *)(q + 32 * j));
                        a = _mm256_add_epi16(a, _mm256_maddubs_epi16(_mm256_and_si256(v, m4), _mm256_set1_epi32(xa[j])));
                        c = _mm256_add_epi16(c, _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4), _mm256_set1_epi32(xb[j])));
                    }
                    const float *xd = x.d + t * x.nb + b0, *xs = x.s + t * x.nb + b0;
                    const __m256 fa = _mm256_cvtepi32_ps(_mm256_madd_epi16(a, ones)), fc = _mm256_cvtepi32_ps(_mm256_madd_epi16(c, ones));
                    as = _mm256_fmadd_ps(fa, _mm256_mul_ps(bytes8(blk + 32 + 16 * p), _mm256_broadcast_ss(xd)), as);
                    as = _mm256_fmadd_ps(fc, _mm256_mul_ps(bytes8(blk + 40 + 16 * p), _mm256_broadcast_ss(xd + 1)), as);
                    am = _mm256_fmadd_ps(bytes8(blk + 96 + 16 * p), _mm256_broadcast_ss(xs), am);
                    am = _mm256_fmadd_ps(bytes8(blk + 104 + 16 * p), _mm256_broadcast_ss(xs + 1), am);
                }
                acc[i] = _mm256_fnmadd_ps(dmv, am, _mm256_fmadd_ps(dv, as, acc[i]));
            }
        }
        CORTADO_UNROLL for (int i = 0; i < M; i++) _mm256_storeu_ps(out + 8 * i, acc[i]);
    }

    // units [u0, u0 + nu) -> g's layout: sub-block s is a block of 32 with d = d * scale_s and
    // c = -dmin * min_s (as matmul.cpp's QKSpan), its steps the low (s even) or high nibbles of pair s / 2.
    static void unpack(const uint8_t *gp, int64_t u0, int64_t nu, const Q8Group &g) {
        const __m256i m4 = _mm256_set1_epi8(0x0F);
        for (int64_t k = 0; k < nu; k++) {
            const uint8_t *blk = gp + UNIT_BYTES * (u0 + k);
            const __m256 dv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)blk));
            const __m256 ndm = _mm256_sub_ps(_mm256_setzero_ps(), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(blk + 16))));
            for (int p = 0; p < 4; p++) {
                int8_t *qa = g.q + 256 * (8 * k + 2 * p), *qb = qa + 256;
                CORTADO_UNROLL for (int j = 0; j < 8; j++) {
                    const __m256i v = _mm256_loadu_si256((const __m256i *)(blk + 160 + 256 * p + 32 * j));
                    _mm256_store_si256((__m256i *)(qa + 32 * j), _mm256_and_si256(v, m4));
                    _mm256_store_si256((__m256i *)(qb + 32 * j), _mm256_and_si256(_mm256_srli_epi16(v, 4), m4));
                }
            }
            for (int sb = 0; sb < 8; sb++) {
                _mm256_store_ps(g.d + 8 * (8 * k + sb), _mm256_mul_ps(dv, bytes8(blk + 32 + 8 * sb)));
                _mm256_store_ps(g.c + 8 * (8 * k + sb), _mm256_mul_ps(ndm, bytes8(blk + 96 + 8 * sb)));
            }
        }
    }
#else
    static void dot_ref(const uint8_t *gp, int64_t nu, const float *xt, float *out) {
        float acc[8] = {0};
        for (int64_t u = 0; u < nu; u++) {
            const uint8_t *blk = gp + UNIT_BYTES * u;
            const float *xu = xt + 256 * u;
            for (int r = 0; r < 8; r++) {
                const float d = load_half(blk + 2 * r), dmin = load_half(blk + 16 + 2 * r);
                float s = 0.0f;
                for (int sb = 0; sb < 8; sb++) {
                    const float scale = d * blk[32 + 8 * sb + r], mn = dmin * blk[96 + 8 * sb + r];
                    const uint8_t *q = blk + 160 + 256 * (sb / 2) + 4 * r;
                    for (int j = 0; j < 8; j++)
                        for (int k = 0; k < 4; k++) {
                            const int level = sb % 2 ? q[32 * j + k] >> 4 : q[32 * j + k] & 0x0F;
                            s += (scale * (float)level - mn) * xu[32 * sb + 4 * j + k];
                        }
                }
                acc[r] += s;
            }
        }
        memcpy(out, acc, sizeof acc);
    }
#endif
};

// ---- q8_0x8 -------------------------------------------------------------------------------------
struct Q8_0x8 {
    static constexpr int64_t UNIT = 32, UNIT_BYTES = 272;
#if defined(__AVX2__)
    using Levels = SignedLevels;
#endif

    static void repack(const uint8_t *src, uint8_t *dst, int64_t g, int64_t nu) {
        repack_steps<34, 2, 8, 16, UNIT_BYTES>(src, dst, g, nu);
    }

#if defined(__AVX2__)
    // As Q4_0x8::dot for signed weights: vpmaddubsw wants its first operand unsigned, so |w| times x
    // with w's sign; one product pair already nears 32767, so each step widens to int32 (vpmaddwd),
    // in two chains.
    template <int M>
    static void dot(const uint8_t *gp, int64_t nu, const XRows &x, int64_t t0, float *out) {
        const __m256i ones = _mm256_set1_epi16(1);
        __m256 acc[M];
        CORTADO_UNROLL for (int i = 0; i < M; i++) acc[i] = _mm256_setzero_ps();
        for (int64_t b = 0; b < nu; b++) {
            const uint8_t *blk = gp + UNIT_BYTES * b;
            prefetch_lines(blk, UNIT_BYTES);
            const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)blk));
            CORTADO_UNROLL for (int i = 0; i < M; i++) {
                const int32_t *x4 = x.x4(t0 + i, b);
                __m256i a = _mm256_setzero_si256(), c = a;
                CORTADO_UNROLL for (int j = 0; j < 8; j += 2) {
                    const __m256i v0 = _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * j));
                    const __m256i v1 = _mm256_loadu_si256((const __m256i *)(blk + 48 + 32 * j));
                    const __m256i p0 = _mm256_maddubs_epi16(_mm256_sign_epi8(v0, v0), _mm256_sign_epi8(_mm256_set1_epi32(x4[j]), v0));
                    const __m256i p1 = _mm256_maddubs_epi16(_mm256_sign_epi8(v1, v1), _mm256_sign_epi8(_mm256_set1_epi32(x4[j + 1]), v1));
                    a = _mm256_add_epi32(a, _mm256_madd_epi16(p0, ones));
                    c = _mm256_add_epi32(c, _mm256_madd_epi16(p1, ones));
                }
                const __m256 sum = _mm256_cvtepi32_ps(_mm256_add_epi32(a, c));
                acc[i] = _mm256_fmadd_ps(_mm256_mul_ps(dw, _mm256_broadcast_ss(x.d + (t0 + i) * x.nb + b)), sum, acc[i]);
            }
        }
        CORTADO_UNROLL for (int i = 0; i < M; i++) _mm256_storeu_ps(out + 8 * i, acc[i]);
    }

    // the packed steps are Q8Group's steps already: a copy, with d and c = 0
    static void unpack(const uint8_t *gp, int64_t u0, int64_t nu, const Q8Group &g) {
        for (int64_t i = 0; i < nu; i++) {
            const uint8_t *blk = gp + UNIT_BYTES * (u0 + i);
            CORTADO_UNROLL for (int j = 0; j < 8; j++)
                _mm256_store_si256((__m256i *)(g.q + 256 * i + 32 * j), _mm256_loadu_si256((const __m256i *)(blk + 16 + 32 * j)));
            _mm256_store_ps(g.d + 8 * i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)blk)));
            _mm256_store_ps(g.c + 8 * i, _mm256_setzero_ps());
        }
    }
#else
    static void dot_ref(const uint8_t *gp, int64_t nu, const float *xt, float *out) {
        float acc[8] = {0};
        for (int64_t b = 0; b < nu; b++) {
            const uint8_t *blk = gp + UNIT_BYTES * b;
            for (int r = 0; r < 8; r++) {
                float s = 0.0f;
                for (int j = 0; j < 8; j++)
                    for (int k = 0; k < 4; k++) s += (float)(int8_t)blk[16 + 32 * j + 4 * r + k] * xt[32 * b + 4 * j + k];
                acc[r] += load_half(blk + 2 * r) * s;
            }
        }
        memcpy(out, acc, sizeof acc);
    }
#endif
};

// ---- q5_0x8 -------------------------------------------------------------------------------------
struct Q5_0x8 {
    static constexpr int64_t UNIT = 32, UNIT_BYTES = 176;
#if defined(__AVX2__)
    using Levels = Nibble5Levels;
#endif

    // Row r's fifth bits, permuted so that bit s of byte k is the fifth bit of the weight that step s
    // puts in byte k (4s + k for s < 4, the low nibbles; 16 + 4(s - 4) + k for s >= 4, the high ones).
    static uint32_t fifth_word(uint32_t qh) {
        uint32_t out = 0;
        for (int s = 0; s < 8; s++)
            for (int k = 0; k < 4; k++) {
                const int w = s < 4 ? 4 * s + k : 16 + 4 * (s - 4) + k;
                out |= ((qh >> w) & 1u) << (8 * k + s);
            }
        return out;
    }

    static void repack(const uint8_t *src, uint8_t *dst, int64_t g, int64_t nu) {
        repack_steps<22, 6, 4, 48, UNIT_BYTES>(src, dst, g, nu);
        for (int64_t b = 0; b < nu; b++)  // the fifth bits, permuted
            for (int r = 0; r < 8; r++) {
                uint32_t qh;
                memcpy(&qh, src + ((8 * g + r) * nu + b) * 22 + 2, 4);
                const uint32_t f = fifth_word(qh);
                memcpy(dst + (g * nu + b) * UNIT_BYTES + 16 + 4 * r, &f, 4);
            }
    }

#if defined(__AVX2__)
    // Step s's levels (0..31) of the 8 rows: the nibbles, or'ed with bit 4 from the permuted fifth
    // bits moved to bit 4 of each byte (16-bit shifts of at most 4 never carry a byte's bit 4 over).
    template <int S>
    static inline __m256i levels(__m256i nib, __m256i fifth) {
        const __m256i t = S <= 4 ? _mm256_slli_epi16(fifth, 4 - S) : _mm256_srli_epi16(fifth, S - 4);
        return _mm256_or_si256(nib, _mm256_and_si256(t, _mm256_set1_epi8(0x10)));
    }

    // As Q4_0x8::dot with levels up to 31: four steps fill int16 (4 x 2 x 31 x 127 < 32768), so the low
    // and high nibble steps stay two chains, each widened once.
    template <int M>
    static void dot(const uint8_t *gp, int64_t nu, const XRows &x, int64_t t0, float *out) {
        const __m256i m4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
        const __m256 sixteen = _mm256_set1_ps(16.0f);
        __m256 acc[M];
        CORTADO_UNROLL for (int i = 0; i < M; i++) acc[i] = _mm256_setzero_ps();
        for (int64_t b = 0; b < nu; b++) {
            const uint8_t *blk = gp + UNIT_BYTES * b;
            prefetch_lines(blk, UNIT_BYTES);
            const __m256i f = _mm256_loadu_si256((const __m256i *)(blk + 16));
            __m256i lo[4], hi[4];
            const __m256i v0 = _mm256_loadu_si256((const __m256i *)(blk + 48)), v1 = _mm256_loadu_si256((const __m256i *)(blk + 80));
            const __m256i v2 = _mm256_loadu_si256((const __m256i *)(blk + 112)), v3 = _mm256_loadu_si256((const __m256i *)(blk + 144));
            lo[0] = levels<0>(_mm256_and_si256(v0, m4), f), hi[0] = levels<4>(_mm256_and_si256(_mm256_srli_epi16(v0, 4), m4), f);
            lo[1] = levels<1>(_mm256_and_si256(v1, m4), f), hi[1] = levels<5>(_mm256_and_si256(_mm256_srli_epi16(v1, 4), m4), f);
            lo[2] = levels<2>(_mm256_and_si256(v2, m4), f), hi[2] = levels<6>(_mm256_and_si256(_mm256_srli_epi16(v2, 4), m4), f);
            lo[3] = levels<3>(_mm256_and_si256(v3, m4), f), hi[3] = levels<7>(_mm256_and_si256(_mm256_srli_epi16(v3, 4), m4), f);
            const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)blk));
            CORTADO_UNROLL for (int i = 0; i < M; i++) {
                const int64_t t = t0 + i;
                const int32_t *x4 = x.x4(t, b);
                __m256i a = _mm256_maddubs_epi16(lo[0], _mm256_set1_epi32(x4[0]));
                __m256i c = _mm256_maddubs_epi16(hi[0], _mm256_set1_epi32(x4[4]));
                CORTADO_UNROLL for (int j = 1; j < 4; j++) {
                    a = _mm256_add_epi16(a, _mm256_maddubs_epi16(lo[j], _mm256_set1_epi32(x4[j])));
                    c = _mm256_add_epi16(c, _mm256_maddubs_epi16(hi[j], _mm256_set1_epi32(x4[4 + j])));
                }
                const __m256 sum = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_madd_epi16(a, ones), _mm256_madd_epi16(c, ones)));
                // d_w * (d_x * sum(level * q) - 16 * d_x * sum(q))
                const __m256 v = _mm256_fnmadd_ps(sixteen, _mm256_broadcast_ss(x.s + t * x.nb + b),
                                                  _mm256_mul_ps(sum, _mm256_broadcast_ss(x.d + t * x.nb + b)));
                acc[i] = _mm256_fmadd_ps(dw, v, acc[i]);
            }
        }
        CORTADO_UNROLL for (int i = 0; i < M; i++) _mm256_storeu_ps(out + 8 * i, acc[i]);
    }

    // units -> g's layout: step j's levels from the low nibbles, step j + 4's from the high; c = -16 d.
    static void unpack(const uint8_t *gp, int64_t u0, int64_t nu, const Q8Group &g) {
        const __m256i m4 = _mm256_set1_epi8(0x0F);
        const __m256 minus16 = _mm256_set1_ps(-16.0f);
        for (int64_t i = 0; i < nu; i++) {
            const uint8_t *blk = gp + UNIT_BYTES * (u0 + i);
            const __m256i f = _mm256_loadu_si256((const __m256i *)(blk + 16));
            __m256i *q = (__m256i *)(g.q + 256 * i);
            const __m256i v0 = _mm256_loadu_si256((const __m256i *)(blk + 48)), v1 = _mm256_loadu_si256((const __m256i *)(blk + 80));
            const __m256i v2 = _mm256_loadu_si256((const __m256i *)(blk + 112)), v3 = _mm256_loadu_si256((const __m256i *)(blk + 144));
            _mm256_store_si256(q + 0, levels<0>(_mm256_and_si256(v0, m4), f));
            _mm256_store_si256(q + 1, levels<1>(_mm256_and_si256(v1, m4), f));
            _mm256_store_si256(q + 2, levels<2>(_mm256_and_si256(v2, m4), f));
            _mm256_store_si256(q + 3, levels<3>(_mm256_and_si256(v3, m4), f));
            _mm256_store_si256(q + 4, levels<4>(_mm256_and_si256(_mm256_srli_epi16(v0, 4), m4), f));
            _mm256_store_si256(q + 5, levels<5>(_mm256_and_si256(_mm256_srli_epi16(v1, 4), m4), f));
            _mm256_store_si256(q + 6, levels<6>(_mm256_and_si256(_mm256_srli_epi16(v2, 4), m4), f));
            _mm256_store_si256(q + 7, levels<7>(_mm256_and_si256(_mm256_srli_epi16(v3, 4), m4), f));
            const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)blk));
            _mm256_store_ps(g.d + 8 * i, dw);
            _mm256_store_ps(g.c + 8 * i, _mm256_mul_ps(dw, minus16));
        }
    }
#else
    static void dot_ref(const uint8_t *gp, int64_t nu, const float *xt, float *out) {
        float acc[8] = {0};
        for (int64_t b = 0; b < nu; b++) {
            const uint8_t *blk = gp + UNIT_BYTES * b;
            const float *xb = xt + 32 * b;
            for (int r = 0; r < 8; r++) {
                const uint8_t *f = blk + 16 + 4 * r;
                float s = 0.0f;
                for (int j = 0; j < 4; j++)
                    for (int k = 0; k < 4; k++) {
                        const uint8_t q = blk[48 + 32 * j + 4 * r + k];
                        const int l0 = (q & 0x0F) | (((f[k] >> j) & 1) << 4), l1 = (q >> 4) | (((f[k] >> (j + 4)) & 1) << 4);
                        s += (float)(l0 - 16) * xb[4 * j + k] + (float)(l1 - 16) * xb[16 + 4 * j + k];
                    }
                acc[r] += load_half(blk + 2 * r) * s;
            }
        }
        memcpy(out, acc, sizeof acc);
    }
#endif
};

// out (n, 8) for rows [t0, t0 + n) of x against group gp (nu units).
template <class L>
void group_rows(const uint8_t *gp, int64_t nu, const XRows &x, int64_t t0, int64_t n, float *out) {
#if defined(__AVX2__)
    int64_t i = 0;
    for (; i + 3 <= n; i += 3) L::template dot<3>(gp, nu, x, t0 + i, out + 8 * i);
    switch (n - i) {
        case 2: L::template dot<2>(gp, nu, x, t0 + i, out + 8 * i); break;
        case 1: L::template dot<1>(gp, nu, x, t0 + i, out + 8 * i); break;
        default: break;
    }
#else
    for (int64_t i = 0; i < n; i++) L::dot_ref(gp, nu, x.x + (t0 + i) * x.C, out + 8 * i);
#endif
}

#if defined(__AVX2__)
// ---- T > 3 (prompts): matmul.cpp's int8 register tiles (q8_tile.h) ------------------------------
// A span of a group's units is unpacked into Q8Group's layout and multiplied by 4 rows of x at a time,
// a tile of 8 groups and one span of columns at a time, as matmul.cpp's forward_q8_tiles does for
// unpacked rows (there the span decoding and the 8-row interleave cost more than this unpacking).
constexpr int64_t SPAN = 1024;  // columns per unpacked span: 8 groups' 10 KB each stay in L2
constexpr int64_t TILE_GROUPS = 8;

// y (T, OC) = x . W^T for T > 3, W packed with OC / 8 groups.
template <class L>
void prefill(const uint8_t *w, float *y, int64_t OC, const XRows &x, int64_t T, int64_t C, int threads) {
    const int64_t nb = C / 32, nu = C / L::UNIT, groups = OC / 8, tiles = (groups + TILE_GROUPS - 1) / TILE_GROUPS;
    const int64_t span_units = std::max<int64_t>(1, std::min(SPAN, C) / L::UNIT), kbmax = span_units * L::UNIT / 32;
#pragma omp parallel num_threads((int)std::min<int64_t>(threads_for(T * C * OC, GRAIN, threads), tiles))
    {
        const size_t group_bytes = (size_t)(kbmax * (256 + 32 + 32 + 64));  // q, d, c, sc (Q6_K's sub-scales)
        int8_t *mem = (int8_t *)aligned_alloc(32, TILE_GROUPS * group_bytes);
        if (!mem) abort();  // ~80 KB: failing here means the process is already lost
        Q8Group gs[TILE_GROUPS];
        for (int64_t i = 0; i < TILE_GROUPS; i++) {
            int8_t *base = mem + i * group_bytes;
            gs[i] = Q8Group{base, (float *)(base + 256 * kbmax), (float *)(base + 288 * kbmax), (int16_t *)(base + 320 * kbmax)};
        }
#pragma omp for schedule(static)
        for (int64_t tile = 0; tile < tiles; tile++) {
            const int64_t g0 = tile * TILE_GROUPS, ng = std::min(TILE_GROUPS, groups - g0);
            for (int64_t u0 = 0; u0 < nu; u0 += span_units) {
                const int64_t su = std::min(span_units, nu - u0), b0 = u0 * L::UNIT / 32, kb = su * L::UNIT / 32;
                for (int64_t i = 0; i < ng; i++) L::unpack(w + (g0 + i) * nu * L::UNIT_BYTES, u0, su, gs[i]);
                const bool acc = u0 > 0;
                for (int64_t i = 0; i < ng; i++) {
                    float *yg = y + 8 * (g0 + i);
                    for (int64_t t = 0; t < T; t += 4) {
                        const int8_t *xq = x.q + t * C + 32 * b0;
                        const float *xd = x.d + t * nb + b0, *xs = x.s + t * nb + b0;
                        switch (std::min<int64_t>(4, T - t)) {
                            case 4: q8_micro<4, typename L::Levels>(xq, C, xd, xs, nb, gs[i], kb, yg + t * OC, OC, acc); break;
                            case 3: q8_micro<3, typename L::Levels>(xq, C, xd, xs, nb, gs[i], kb, yg + t * OC, OC, acc); break;
                            case 2: q8_micro<2, typename L::Levels>(xq, C, xd, xs, nb, gs[i], kb, yg + t * OC, OC, acc); break;
                            default: q8_micro<1, typename L::Levels>(xq, C, xd, xs, nb, gs[i], kb, yg + t * OC, OC, acc); break;
                        }
                    }
                }
            }
        }
        free(mem);
    }
}
#endif

// ---- q6_kx8 -------------------------------------------------------------------------------------
struct Q6_Kx8 {
    static constexpr int64_t UNIT = 256, UNIT_BYTES = 1680;
#if defined(__AVX2__)
    using Levels = Q6Levels;
#endif

    // Row r's 256 levels (0..63, weight = d * scale[col / 16] * (level - 32)) from its Q6_K block
    // (ql: 128 bytes of low nibbles, qh: 64 of 2-bit highs, 16 int8 scales, fp16 d), as llama.cpp lays it out.
    static void levels_of(const uint8_t *blk, uint8_t *lv) {
        for (int n = 0; n < 2; n++) {
            const uint8_t *ql = blk + 64 * n, *qh = blk + 128 + 32 * n;
            for (int l = 0; l < 32; l++) {
                lv[128 * n + l] = (uint8_t)((ql[l] & 0x0F) | ((qh[l] & 3) << 4));
                lv[128 * n + l + 32] = (uint8_t)((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4));
                lv[128 * n + l + 64] = (uint8_t)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
                lv[128 * n + l + 96] = (uint8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
            }
        }
    }

    static void repack(const uint8_t *src, uint8_t *dst, int64_t g, int64_t nu) {
        for (int64_t u = 0; u < nu; u++) {
            uint8_t *o = dst + (g * nu + u) * UNIT_BYTES;
            memset(o + 144, 0, UNIT_BYTES - 144);
            for (int r = 0; r < 8; r++) {
                const uint8_t *blk = src + ((8 * g + r) * nu + u) * 210;
                uint8_t lv[256];
                levels_of(blk, lv);
                memcpy(o + 2 * r, blk + 208, 2);
                for (int sb = 0; sb < 16; sb++) o[16 + 8 * sb + r] = blk[192 + sb];
                for (int b = 0; b < 8; b++) {
                    uint8_t *q = o + 144 + 192 * b;
                    for (int st = 0; st < 8; st++)
                        for (int k = 0; k < 4; k++) {
                            const uint8_t v = lv[32 * b + 4 * st + k];
                            q[32 * (st % 4) + 4 * r + k] |= (uint8_t)((v & 0x0F) << (st < 4 ? 0 : 4));
                            q[128 + 32 * (st / 4) + 4 * r + k] |= (uint8_t)((v >> 4) << (2 * (st % 4)));
                        }
                }
            }
        }
    }

#if defined(__AVX2__)
    // Step st (0..7) of a block's 8 rows as levels 0..63: the nibbles of vector st % 4
    // (low for st < 4) or'ed with the 2 bits of high vector st / 4 at 2 (st % 4), moved to bits 4-5
    // (16-bit shifts: the mask keeps each byte's own bits).
    template <int ST>
    static inline __m256i step(const __m256i *nv, const __m256i *hv) {
        const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
        const __m256i nib = ST < 4 ? _mm256_and_si256(nv[ST % 4], m4) : _mm256_and_si256(_mm256_srli_epi16(nv[ST % 4], 4), m4);
        constexpr int I = ST % 4;
        const __m256i h = hv[ST / 4];
        const __m256i t = I == 0 ? _mm256_slli_epi16(h, 4) : I == 1 ? _mm256_slli_epi16(h, 2) : I == 2 ? h : _mm256_srli_epi16(h, 2);
        return _mm256_or_si256(nib, _mm256_and_si256(t, m30));
    }
    // The signed level (level - 32), as the int8 tile of prompts wants it.
    template <int ST>
    static inline __m256i signed_step(const __m256i *nv, const __m256i *hv) {
        return _mm256_sub_epi8(step<ST>(nv, hv), _mm256_set1_epi8(32));
    }

    // The 16 int16 lanes 2r, 2r + 1 = row r's scale of sub-block sb, for vpmaddwd.
    static inline __m256i scales16(const uint8_t *unit, int sb) {
        const __m128i b = _mm_loadl_epi64((const __m128i *)(unit + 16 + 8 * sb));
        return _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(b, b));
    }

    // 8 rows per vector: vpmaddubsw of the unsigned levels (0..63) against x (pairs at most 2 x 63 x 127, no
    // saturation), minus the same products of a level 32 (XRows::offsets32), summed in int16 over a sub-block's
    // 4 steps: the adds wrap, so only the result must fit, sum((level - 32) x) of 8 products <= 8 x 32 x 127 =
    // 32512. Then vpmaddwd by the rows' int8 scales gives int32, and per block of 32 one conversion times
    // d * d_x. The same integers as the signed form (|w| x sign(x, w)) with 3 fewer instructions per step.
    template <int M>
    static void dot(const uint8_t *gp, int64_t nu, const XRows &x, int64_t t0, float *out) {
        __m256 acc[M];
        CORTADO_UNROLL for (int i = 0; i < M; i++) acc[i] = _mm256_setzero_ps();
        for (int64_t u = 0; u < nu; u++) {
            const uint8_t *unit = gp + UNIT_BYTES * u;
            prefetch_lines(unit, 144);
            const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)unit));
            for (int b = 0; b < 8; b++) {
                const uint8_t *q = unit + 144 + 192 * b;
                prefetch_lines(q, 192);
                __m256i nv[4], hv[2];
                CORTADO_UNROLL for (int j = 0; j < 4; j++) nv[j] = _mm256_loadu_si256((const __m256i *)(q + 32 * j));
                hv[0] = _mm256_loadu_si256((const __m256i *)(q + 128));
                hv[1] = _mm256_loadu_si256((const __m256i *)(q + 160));
                const __m256i w[8] = {step<0>(nv, hv), step<1>(nv, hv), step<2>(nv, hv), step<3>(nv, hv),
                                      step<4>(nv, hv), step<5>(nv, hv), step<6>(nv, hv), step<7>(nv, hv)};
                const __m256i sc0 = scales16(unit, 2 * b), sc1 = scales16(unit, 2 * b + 1);
                CORTADO_UNROLL for (int i = 0; i < M; i++) {
                    const int64_t t = t0 + i, xb = 8 * u + b;
                    const int32_t *x4 = x.x4(t, xb), *of = x.off + 4 * (t * x.nb + xb);
                    __m256i pr[4];
                    CORTADO_UNROLL for (int p = 0; p < 4; p++) {
                        const __m256i m0 = _mm256_maddubs_epi16(w[2 * p], _mm256_set1_epi32(x4[2 * p]));
                        const __m256i m1 = _mm256_maddubs_epi16(w[2 * p + 1], _mm256_set1_epi32(x4[2 * p + 1]));
                        pr[p] = _mm256_sub_epi16(_mm256_add_epi16(m0, m1), _mm256_set1_epi32(of[p]));
                    }
                    const __m256i s0 = _mm256_add_epi16(pr[0], pr[1]), s1 = _mm256_add_epi16(pr[2], pr[3]);
                    const __m256i s32 = _mm256_add_epi32(_mm256_madd_epi16(s0, sc0), _mm256_madd_epi16(s1, sc1));
                    acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s32), _mm256_mul_ps(dw, _mm256_broadcast_ss(x.d + t * x.nb + xb)), acc[i]);
                }
            }
        }
        CORTADO_UNROLL for (int i = 0; i < M; i++) _mm256_storeu_ps(out + 8 * i, acc[i]);
    }

    // units [u0, u0 + nu) -> g's layout: block b's 8 steps of signed levels, d = the rows' d, c = 0, and
    // the two sub-blocks' scales as int16 pairs (as matmul.cpp's Q6_KSpan).
    static void unpack(const uint8_t *gp, int64_t u0, int64_t nu, const Q8Group &g) {
        for (int64_t k = 0; k < nu; k++) {
            const uint8_t *unit = gp + UNIT_BYTES * (u0 + k);
            const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)unit));
            for (int b = 0; b < 8; b++) {
                const uint8_t *q = unit + 144 + 192 * b;
                __m256i nv[4], hv[2];
                CORTADO_UNROLL for (int j = 0; j < 4; j++) nv[j] = _mm256_loadu_si256((const __m256i *)(q + 32 * j));
                hv[0] = _mm256_loadu_si256((const __m256i *)(q + 128));
                hv[1] = _mm256_loadu_si256((const __m256i *)(q + 160));
                __m256i *o = (__m256i *)(g.q + 256 * (8 * k + b));
                _mm256_store_si256(o + 0, signed_step<0>(nv, hv));
                _mm256_store_si256(o + 1, signed_step<1>(nv, hv));
                _mm256_store_si256(o + 2, signed_step<2>(nv, hv));
                _mm256_store_si256(o + 3, signed_step<3>(nv, hv));
                _mm256_store_si256(o + 4, signed_step<4>(nv, hv));
                _mm256_store_si256(o + 5, signed_step<5>(nv, hv));
                _mm256_store_si256(o + 6, signed_step<6>(nv, hv));
                _mm256_store_si256(o + 7, signed_step<7>(nv, hv));
                _mm256_store_ps(g.d + 8 * (8 * k + b), dw);
                _mm256_store_ps(g.c + 8 * (8 * k + b), _mm256_setzero_ps());
                _mm256_store_si256((__m256i *)(g.sc + 32 * (8 * k + b)), scales16(unit, 2 * b));
                _mm256_store_si256((__m256i *)(g.sc + 32 * (8 * k + b) + 16), scales16(unit, 2 * b + 1));
            }
        }
    }
#else
    static void dot_ref(const uint8_t *gp, int64_t nu, const float *xt, float *out) {
        float acc[8] = {0};
        for (int64_t u = 0; u < nu; u++) {
            const uint8_t *unit = gp + UNIT_BYTES * u;
            const float *xu = xt + 256 * u;
            for (int r = 0; r < 8; r++) {
                const float d = load_half(unit + 2 * r);
                float s = 0.0f;
                for (int b = 0; b < 8; b++) {
                    const uint8_t *q = unit + 144 + 192 * b;
                    for (int st = 0; st < 8; st++) {
                        const float scale = d * (float)(int8_t)unit[16 + 8 * (2 * b + st / 4) + r];
                        for (int k = 0; k < 4; k++) {
                            const uint8_t nb = q[32 * (st % 4) + 4 * r + k], hb = q[128 + 32 * (st / 4) + 4 * r + k];
                            const int level = ((st < 4 ? nb : nb >> 4) & 0x0F) | (((hb >> (2 * (st % 4))) & 3) << 4);
                            s += scale * (float)(level - 32) * xu[32 * b + 4 * st + k];
                        }
                    }
                }
                acc[r] += s;
            }
        }
        memcpy(out, acc, sizeof acc);
    }
#endif
};

// Rows of x per pass over the weights (the portable build's prompts; decoding is one pass): a pass's
// rows of x stay in L2 while every group of W streams by once.
constexpr int64_t TT = 64;
inline int64_t rows_per_pass(int64_t C) { return std::min<int64_t>(TT, std::max<int64_t>(4, (256 * 1024 / C) & ~(int64_t)3)); }

template <class L>
void repack(const void *w, void *out, int64_t C, int64_t OC, int threads) {
    const int64_t nu = C / L::UNIT, groups = OC / 8;
#pragma omp parallel for num_threads(threads_for(C * OC, 1 << 20, threads)) schedule(static)
    for (int64_t g = 0; g < groups; g++) L::repack((const uint8_t *)w, (uint8_t *)out, g, nu);
}

// The groups of up to three products (groups[m] of product m, total in all; fused's modes) for rows
// [t0, t0 + n) of x, n <= TT, shared among the threads of the enclosing parallel region (an orphaned
// omp for, ending in its barrier; outside any region the calling thread does them all).
template <class L>
void group_pass(const uint8_t *const w[3], float *const y[3], const int64_t oc[3], const int64_t groups[3], int64_t total,
                int64_t nu, const XRows &xr, int64_t t0, int64_t n, int mode) {
    const int64_t gbytes = nu * L::UNIT_BYTES;
    float a[8 * TT], u[8 * TT];
#pragma omp for schedule(static)
    for (int64_t gi = 0; gi < total; gi++) {
        int m = 0;
        int64_t g = gi;
        while (g >= groups[m]) g -= groups[m++];
        const int64_t ld = oc[m];
        group_rows<L>(w[m] + g * gbytes, nu, xr, t0, n, a);
        if (mode == FUSED_SWIGLU) {
            group_rows<L>(w[1] + g * gbytes, nu, xr, t0, n, u);
            cortado_simd::silu_mul_span(a, a, u, 8 * n);  // as swiglu_forward_f32 computes each element
        }
        for (int64_t i = 0; i < n; i++) {
            float *yo = y[m] + (t0 + i) * ld + 8 * g;
            for (int r = 0; r < 8; r++) yo[r] = mode == FUSED_ADD ? yo[r] + a[8 * i + r] : a[8 * i + r];
        }
    }
}

// Up to three products with one x as one parallel region over all their groups (matmul.cpp's fused_q8
// for these layouts): store, add into y, or SwiGLU of group g of w[0] (gate) and w[1] (up) into y[0].
template <class L>
void fused(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1,
           int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads) {
    const uint8_t *w[3] = {(const uint8_t *)w0, (const uint8_t *)w1, (const uint8_t *)w2};
    float *y[3] = {y0, y1, y2};
    const int64_t oc[3] = {oc0, oc1, oc2}, nu = C / L::UNIT;
    const int nm = mode == FUSED_SWIGLU ? 1 : 3;
    int64_t groups[3] = {0, 0, 0}, total = 0, work = 0;
    for (int m = 0; m < nm; m++) {
        groups[m] = oc[m] / 8;
        total += groups[m];
        work += T * C * oc[m] * (mode == FUSED_SWIGLU ? 2 : 1);
    }
    XRows xr(x, T, C, threads);
#if defined(__AVX2__)
    if (T > 3) {  // each product alone, then the residual add or SwiGLU as add_f32 / swiglu_forward_f32
        int64_t most = 0;  // scratch for the widest product (ADD) or the up product (SWIGLU)
        for (int m = 0; m < 3; m++) most = std::max(most, oc[m]);
        float *p = mode == FUSED_STORE ? nullptr : (float *)malloc((size_t)(T * most) * sizeof(float));
        if (mode != FUSED_STORE && !p) abort();  // as large as an output the caller holds
        if (mode == FUSED_SWIGLU) {
            prefill<L>(w[0], y[0], oc[0], xr, T, C, threads);
            prefill<L>(w[1], p, oc[0], xr, T, C, threads);
            cortado_simd::silu_mul_span(y[0], y[0], p, T * oc[0]);
        } else {
            for (int m = 0; m < 3; m++) {
                if (oc[m] == 0) continue;
                prefill<L>(w[m], mode == FUSED_ADD ? p : y[m], oc[m], xr, T, C, threads);
                if (mode == FUSED_ADD)
                    for (int64_t i = 0; i < T * oc[m]; i++) y[m][i] = y[m][i] + p[i];
            }
        }
        free(p);
        return;
    }
#endif
#if defined(__AVX2__)
    if constexpr (std::is_same<L, Q6_Kx8>::value) xr.offsets32(T);  // decoding's unsigned Q6_K levels
#endif
    const int64_t tt = rows_per_pass(C);
#pragma omp parallel num_threads(threads_for(work, GRAIN, threads))
    for (int64_t t0 = 0; t0 < T; t0 += tt) group_pass<L>(w, y, oc, groups, total, nu, xr, t0, std::min(tt, T - t0), mode);
}

// One token's products (decode_step.cpp), team-shared: each thread quantizes x privately (C values,
// less than a barrier costs), then the groups are split as fused splits them.
template <class L>
void products_team(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0,
                   int64_t oc1, int64_t oc2, const float *x, int64_t C, int mode) {
    const uint8_t *w[3] = {(const uint8_t *)w0, (const uint8_t *)w1, (const uint8_t *)w2};
    float *y[3] = {y0, y1, y2};
    const int64_t oc[3] = {oc0, oc1, oc2}, nu = C / L::UNIT;
    const int nm = mode == FUSED_SWIGLU ? 1 : 3;
    int64_t groups[3] = {0, 0, 0}, total = 0;
    for (int m = 0; m < nm; m++) total += groups[m] = oc[m] / 8;
    XRows xr(x, C);
#if defined(__AVX2__)
    if constexpr (std::is_same<L, Q6_Kx8>::value) xr.offsets32(1);
#endif
    group_pass<L>(w, y, oc, groups, total, nu, xr, 0, 1, mode);
}

}  // namespace

void x8_products_team(int layout, const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2,
                      int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t C, int mode) {
    switch (layout) {
        case 0: products_team<Q4_0x8>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        case 1: products_team<Q4_Kx8>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        case 2: products_team<Q8_0x8>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        case 3: products_team<Q5_0x8>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        default: products_team<Q6_Kx8>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
    }
}

#define CORTADO_X8(name, L)                                                                                   \
    void repack_##name(const void *w, void *out, int64_t C, int64_t OC, int threads) {                        \
        repack<L>(w, out, C, OC, threads);                                                                    \
    }                                                                                                         \
    void matmul_forward_fused_##name(const void *w0, const void *w1, const void *w2, float *y0, float *y1,    \
                                     float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x,        \
                                     int64_t T, int64_t C, int mode, int threads) {                           \
        fused<L>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, threads);                              \
    }                                                                                                         \
    void matmul_forward_##name(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC,      \
                               int threads) {                                                                 \
        fused<L>(w, nullptr, nullptr, y, nullptr, nullptr, OC, 0, 0, x, T, C, FUSED_STORE, threads);          \
    }

CORTADO_X8(q4_0x8, Q4_0x8)
CORTADO_X8(q4_kx8, Q4_Kx8)
CORTADO_X8(q8_0x8, Q8_0x8)
CORTADO_X8(q5_0x8, Q5_0x8)
CORTADO_X8(q6_kx8, Q6_Kx8)

}  // namespace CORTADO_NS
