// The int8 register tile of the prefill products (matmul.cpp's block types, matmul_q4_0x8.cpp):
// 8 rows of W interleaved per vector (Q8Group) times up to 4 rows of x quantized to int8 blocks.
// AVX2 builds only; included once per translation unit, inside nothing.
#ifndef CORTADO_Q8_TILE_H
#define CORTADO_Q8_TILE_H
#if defined(__AVX2__)
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "common.h"

namespace CORTADO_NS {
namespace {

// ---- the 8-row interleaved panel ----
// The micro-kernel wants the int32 lanes of one vector to be 8 different rows of W (the outputs), so
// that a block of 32 weights is summed in integers before its one conversion to float and no
// horizontal sums are needed. A group of 8 rows is stored per block of 32 as 8 steps of 32 bytes,
// step s holding weights 4s .. 4s+3 of each row r at bytes 4r .. 4r+3 (an 8 x 8 transpose of int32);
// x's 4 matching bytes are broadcast to every lane. Per block: d, c as 8 floats (one per row), and
// for Q6_K the two 16-weight halves' sub-scales as 16 int16 each (lanes 2r, 2r+1 = row r's).
struct Q8Group {
    int8_t *q;    // blocks x 256 bytes
    float *d;     // blocks x 8
    float *c;     // blocks x 8
    int16_t *sc;  // blocks x 2 x 16
};

// int16 pair sums (vpmaddubsw) of how many 4-weight steps fit in int16 before vpmaddwd widens them:
// |level| <= 15: 8 x 2 x 15 x 127 < 32768; <= 32: 4 steps; signed int8 levels: 1. Q6_K's steps
// come in 4s anyway (its sub-scales change every 16 weights).
template <class S>
constexpr int steps16() {
    return S::LEVEL_MAX <= 15 ? 8 : S::LEVEL_MAX <= 32 ? 4 : 1;
}

// y[i][0..8) (+)= sum over blocks b < nb of x block (i, b) . group rows' block b, i < M rows of x.
// x: xq (row stride ldxq bytes), xd / xs (row stride ldxd); the 8 outputs of a row are contiguous.
// Not inlined: inside a larger loop GCC allocates its registers worse (-17% measured).
template <int M, class S>
__attribute__((noinline)) void q8_micro(const int8_t *xq, int64_t ldxq, const float *xd, const float *xs, int64_t ldxd, const Q8Group &g,
              int64_t nb, float *y, int64_t ldy, bool add) {
    constexpr int G = steps16<S>();
    static_assert(!S::SC16 || G == 4, "Q6_K's sub-scales apply to 4 steps each");
    __m256 acc[M];
    CORTADO_UNROLL for (int i = 0; i < M; i++) acc[i] = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t b = 0; b < nb; b++) {
        const __m256i *wq = (const __m256i *)(g.q + 256 * b);
        __m256i sum32[M];
        CORTADO_UNROLL for (int k = 0; k < 8 / G; k++) {
            __m256i sum16[M];
            CORTADO_UNROLL for (int st = 0; st < G; st++) {
                const int s = k * G + st;
                const __m256i w = _mm256_load_si256(wq + s);
                const __m256i aw = S::SIGNED ? _mm256_sign_epi8(w, w) : w;
                CORTADO_UNROLL for (int i = 0; i < M; i++) {
                    int32_t x4;
                    memcpy(&x4, xq + i * ldxq + 32 * b + 4 * s, 4);
                    const __m256i xv = _mm256_set1_epi32(x4);
                    const __m256i pr = _mm256_maddubs_epi16(aw, S::SIGNED ? _mm256_sign_epi8(xv, w) : xv);
                    sum16[i] = st == 0 ? pr : _mm256_add_epi16(sum16[i], pr);
                    // keeps the sum a running one: left alone, GCC reassociates the adds into a tree
                    // over all 32 products of a block and spills them
                    __asm__("" : "+x"(sum16[i]));
                }
            }
            const __m256i scv = S::SC16 ? _mm256_load_si256((const __m256i *)(g.sc + 32 * b + 16 * (k * G / 4))) : ones;
            CORTADO_UNROLL for (int i = 0; i < M; i++) {
                const __m256i p32 = _mm256_madd_epi16(sum16[i], scv);
                sum32[i] = k == 0 ? p32 : _mm256_add_epi32(sum32[i], p32);
                __asm__("" : "+x"(sum32[i]));
            }
        }
        const __m256 dv = _mm256_load_ps(g.d + 8 * b);
        CORTADO_UNROLL for (int i = 0; i < M; i++)
            acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum32[i]), _mm256_mul_ps(dv, _mm256_broadcast_ss(xd + i * ldxd + b)), acc[i]);
        if (S::CORR) {  // + c[b] * s[i][b]: the offset times x's block sum
            const __m256 cv = _mm256_load_ps(g.c + 8 * b);
            CORTADO_UNROLL for (int i = 0; i < M; i++) acc[i] = _mm256_fmadd_ps(cv, _mm256_broadcast_ss(xs + i * ldxd + b), acc[i]);
        }
    }
    CORTADO_UNROLL for (int i = 0; i < M; i++) {
        float *yi = y + i * ldy;
        _mm256_storeu_ps(yi, add ? _mm256_add_ps(acc[i], _mm256_loadu_ps(yi)) : acc[i]);
    }
}

}  // namespace
}  // namespace CORTADO_NS
#endif
#endif
