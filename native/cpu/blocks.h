// One-block decoders of the GGML block formats (and Cortado's NF4), shared by quant.cpp
// (dequantize) and matmul.cpp (weights decoded on the fly). Included by files compiled once per ISA;
// it opens `namespace CORTADO_NS` itself, and everything here is internal to the including file.
// Every decoder gives exactly ggml's dequantize_row_* floats: the same float operations in the same
// order (a product, then a separate add; where the compiler may contract the two into an FMA, the
// product is exact, so the float is the same).
#ifndef CORTADO_BLOCKS_H
#define CORTADO_BLOCKS_H

#include <math.h>

#include "common.h"

namespace CORTADO_NS {
namespace {

using namespace cortado;

inline uint16_t load_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
inline uint32_t load_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
// F16C where the build has it (one instruction, as ggml's GGML_FP16_TO_FP32 on x86); the same float
// for every non-NaN half.
inline float load_half(const uint8_t *p) {
#if defined(__F16C__)
    return _cvtsh_ss(load_u16(p));
#else
    return f16_to_f32(load_u16(p));
#endif
}

// Q4_K / Q5_K: 6-bit scale and min of sub-block j from the 12 packed bytes.
inline void scale_min_k4(int j, const uint8_t *q, int *d, int *m) {
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

#if defined(__AVX2__)
// y[0..15] = q[0..15] * d0, y[16..31] = q[16..31] * d1, q as 32 signed bytes.
inline void put32_mul(float *y, __m256i q, __m256 d0, __m256 d1) {
    __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
    _mm256_storeu_ps(y + 0, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), d0));
    _mm256_storeu_ps(y + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))), d0));
    _mm256_storeu_ps(y + 16, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), d1));
    _mm256_storeu_ps(y + 24, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))), d1));
}

// y = q * d + a (product rounded first, as in ggml); a - b == a + (-b) exactly, so callers pass -m.
inline void put32_affine(float *y, __m256i q, __m256 d0, __m256 a0, __m256 d1, __m256 a1) {
    __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
    __m256 f0 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo));
    __m256 f1 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8)));
    __m256 f2 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi));
    __m256 f3 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8)));
    _mm256_storeu_ps(y + 0, _mm256_add_ps(_mm256_mul_ps(f0, d0), a0));
    _mm256_storeu_ps(y + 8, _mm256_add_ps(_mm256_mul_ps(f1, d0), a0));
    _mm256_storeu_ps(y + 16, _mm256_add_ps(_mm256_mul_ps(f2, d1), a1));
    _mm256_storeu_ps(y + 24, _mm256_add_ps(_mm256_mul_ps(f3, d1), a1));
}

// 16 packed bytes -> 32 bytes: the low nibbles (elements 0..15), then the high ones (16..31).
inline __m256i nibbles_32(const uint8_t *qs) {
    __m128i b = _mm_loadu_si128((const __m128i *)qs);
    __m128i m = _mm_set1_epi8(0x0F);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(b, 4), m), _mm_and_si128(b, m));
}

// bit k of qh -> 0x10 in byte k (the fifth bit of element k in Q5_0 / Q5_1).
inline __m256i fifth_bits(uint32_t qh) {
    const __m256i shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    __m256i b = _mm256_shuffle_epi8(_mm256_set1_epi32((int)qh), shuf);
    b = _mm256_cmpeq_epi8(_mm256_and_si256(b, bit), bit);
    return _mm256_and_si256(b, _mm256_set1_epi8(0x10));
}
#endif

// ---- one block each: x (block bytes) -> y (block elements) ---------------------------------

inline void block_q8_0(const uint8_t *x, float *y) {
    const float d = load_half(x);
    const int8_t *qs = (const int8_t *)(x + 2);
#if defined(__AVX2__)
    __m256 vd = _mm256_set1_ps(d);
    put32_mul(y, _mm256_loadu_si256((const __m256i *)qs), vd, vd);
#else
    for (int j = 0; j < 32; j++) y[j] = qs[j] * d;
#endif
}

inline void block_q4_0(const uint8_t *x, float *y) {
    const float d = load_half(x);
    const uint8_t *qs = x + 2;
#if defined(__AVX2__)
    __m256 vd = _mm256_set1_ps(d);
    put32_mul(y, _mm256_sub_epi8(nibbles_32(qs), _mm256_set1_epi8(8)), vd, vd);
#else
    for (int j = 0; j < 16; j++) {
        y[j] = ((qs[j] & 0x0F) - 8) * d;
        y[j + 16] = ((qs[j] >> 4) - 8) * d;
    }
#endif
}

inline void block_q4_1(const uint8_t *x, float *y) {
    const float d = load_half(x), m = load_half(x + 2);
    const uint8_t *qs = x + 4;
#if defined(__AVX2__)
    __m256 vd = _mm256_set1_ps(d), vm = _mm256_set1_ps(m);
    put32_affine(y, nibbles_32(qs), vd, vm, vd, vm);
#else
    for (int j = 0; j < 16; j++) {
        y[j] = (qs[j] & 0x0F) * d + m;
        y[j + 16] = (qs[j] >> 4) * d + m;
    }
#endif
}

inline void block_q5_0(const uint8_t *x, float *y) {
    const float d = load_half(x);
    const uint32_t qh = load_u32(x + 2);
    const uint8_t *qs = x + 6;
#if defined(__AVX2__)
    __m256 vd = _mm256_set1_ps(d);
    __m256i q = _mm256_or_si256(nibbles_32(qs), fifth_bits(qh));
    put32_mul(y, _mm256_sub_epi8(q, _mm256_set1_epi8(16)), vd, vd);
#else
    for (int j = 0; j < 16; j++) {
        const int h0 = ((qh >> j) << 4) & 0x10;
        const int h1 = (qh >> (j + 12)) & 0x10;
        y[j] = (((qs[j] & 0x0F) | h0) - 16) * d;
        y[j + 16] = (((qs[j] >> 4) | h1) - 16) * d;
    }
#endif
}

inline void block_q5_1(const uint8_t *x, float *y) {
    const float d = load_half(x), m = load_half(x + 2);
    const uint32_t qh = load_u32(x + 4);
    const uint8_t *qs = x + 8;
#if defined(__AVX2__)
    __m256 vd = _mm256_set1_ps(d), vm = _mm256_set1_ps(m);
    put32_affine(y, _mm256_or_si256(nibbles_32(qs), fifth_bits(qh)), vd, vm, vd, vm);
#else
    for (int j = 0; j < 16; j++) {
        const int h0 = ((qh >> j) << 4) & 0x10;
        const int h1 = (qh >> (j + 12)) & 0x10;
        y[j] = ((qs[j] & 0x0F) | h0) * d + m;
        y[j + 16] = ((qs[j] >> 4) | h1) * d + m;
    }
#endif
}

// Q4_K: d(2) dmin(2) scales(12) qs(128); y = d*sc * q - dmin*m per sub-block of 32.
inline void block_q4_k(const uint8_t *x, float *y) {
    const float d = load_half(x), min = load_half(x + 2);
    const uint8_t *scales = x + 4, *q = x + 16;
    for (int is = 0; is < 8; is += 2, q += 32, y += 64) {
        int sc, m;
        scale_min_k4(is, scales, &sc, &m);
        const float d1 = d * sc, m1 = min * m;
        scale_min_k4(is + 1, scales, &sc, &m);
        const float d2 = d * sc, m2 = min * m;
#if defined(__AVX2__)
        __m256i b = _mm256_loadu_si256((const __m256i *)q), mask = _mm256_set1_epi8(0x0F);
        __m256 vd1 = _mm256_set1_ps(d1), vm1 = _mm256_set1_ps(-m1);
        __m256 vd2 = _mm256_set1_ps(d2), vm2 = _mm256_set1_ps(-m2);
        put32_affine(y, _mm256_and_si256(b, mask), vd1, vm1, vd1, vm1);
        put32_affine(y + 32, _mm256_and_si256(_mm256_srli_epi16(b, 4), mask), vd2, vm2, vd2, vm2);
#else
        for (int l = 0; l < 32; l++) y[l] = d1 * (q[l] & 0xF) - m1;
        for (int l = 0; l < 32; l++) y[32 + l] = d2 * (q[l] >> 4) - m2;
#endif
    }
}

// Q5_K: d(2) dmin(2) scales(12) qh(32) qs(128); as Q4_K with a fifth bit from qh.
inline void block_q5_k(const uint8_t *x, float *y) {
    const float d = load_half(x), min = load_half(x + 2);
    const uint8_t *scales = x + 4, *qh = x + 16, *ql = x + 48;
    uint8_t u1 = 1, u2 = 2;
#if defined(__AVX2__)
    const __m256i h = _mm256_loadu_si256((const __m256i *)qh);
#endif
    for (int is = 0; is < 8; is += 2, ql += 32, y += 64, u1 <<= 2, u2 <<= 2) {
        int sc, m;
        scale_min_k4(is, scales, &sc, &m);
        const float d1 = d * sc, m1 = min * m;
        scale_min_k4(is + 1, scales, &sc, &m);
        const float d2 = d * sc, m2 = min * m;
#if defined(__AVX2__)
        __m256i b = _mm256_loadu_si256((const __m256i *)ql), mask = _mm256_set1_epi8(0x0F);
        __m256i s1 = _mm256_set1_epi8((char)u1), s2 = _mm256_set1_epi8((char)u2), sixteen = _mm256_set1_epi8(16);
        __m256i h1 = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(h, s1), s1), sixteen);
        __m256i h2 = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(h, s2), s2), sixteen);
        __m256 vd1 = _mm256_set1_ps(d1), vm1 = _mm256_set1_ps(-m1);
        __m256 vd2 = _mm256_set1_ps(d2), vm2 = _mm256_set1_ps(-m2);
        put32_affine(y, _mm256_or_si256(_mm256_and_si256(b, mask), h1), vd1, vm1, vd1, vm1);
        put32_affine(y + 32, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b, 4), mask), h2), vd2, vm2, vd2, vm2);
#else
        for (int l = 0; l < 32; l++) y[l] = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
        for (int l = 0; l < 32; l++) y[32 + l] = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
#endif
    }
}

// Q6_K: ql(128) qh(64) scales(16 x int8) d(2); y = (d*sc) * (q - 32) per sub-block of 16.
inline void block_q6_k(const uint8_t *x, float *y) {
    const float d = load_half(x + 208);
    const uint8_t *ql = x, *qh = x + 128;
    const int8_t *sc = (const int8_t *)(x + 192);
    for (int half = 0; half < 2; half++, y += 128, ql += 64, qh += 32, sc += 8) {
#if defined(__AVX2__)
        __m256i l0 = _mm256_loadu_si256((const __m256i *)ql), l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
        __m256i h = _mm256_loadu_si256((const __m256i *)qh);
        __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03), k32 = _mm256_set1_epi8(32);
        __m256i q1 = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(h, m2), 4));
        __m256i q2 = _mm256_or_si256(_mm256_and_si256(l1, m4),
                                     _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m2), 4));
        __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                     _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m2), 4));
        __m256i q4 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                     _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m2), 4));
        __m256i qs[4] = {q1, q2, q3, q4};
        for (int k = 0; k < 4; k++) {
            put32_mul(y + 32 * k, _mm256_sub_epi8(qs[k], k32),
                      _mm256_set1_ps(d * sc[2 * k]), _mm256_set1_ps(d * sc[2 * k + 1]));
        }
#else
        for (int l = 0; l < 32; l++) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * sc[is + 0] * q1;
            y[l + 32] = d * sc[is + 2] * q2;
            y[l + 64] = d * sc[is + 4] * q3;
            y[l + 96] = d * sc[is + 6] * q4;
        }
#endif
    }
}

// ---- NF4 (Cortado's own layout; not a GGUF type) -------------------------------------------
// QLoRA's 4-bit NormalFloat with double-quantized block scales. A tensor is a sequence of rows;
// each row of C elements (C a multiple of 64) stands alone, so a kernel can address row r at
// r * nf4_row_bytes(C). With nb = C / 64 blocks and ng = ceil(nb / 256) groups of up to 256 blocks:
//   bytes [0, 8 ng)            per group g: float32 scale_g, then float32 offset_g (little-endian)
//   bytes [8 ng, 8 ng + nb)    per block b: int8 code a_b of its absmax, in [-127, 127]
//   bytes [8 ng + nb, + 32 nb) per block b: 32 bytes; byte j holds element j in its low nibble and
//                              element j + 32 in its high nibble (4-bit indices into NF4_LEVELS)
// Block b of group g = b / 256 decodes as absmax_b = fmaf(scale_g, (float) a_b, offset_g) (one
// rounding: an explicit fused multiply-add, so that the C++ compiler's contraction cannot make the
// ISAs differ; Java's Math.fma gives the same float) and x = NF4_LEVELS[q] * absmax_b. The Java
// reference is dev.cortado.tensor.NF4Codec.
static const float NF4_LEVELS[16] = {
    -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
    -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
    0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
    0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f};

inline int64_t nf4_groups(int64_t C) { return (C / 64 + 255) / 256; }
inline int64_t nf4_row_bytes(int64_t C) { return 8 * nf4_groups(C) + 33 * (C / 64); }

// One block of 64: q (32 bytes of indices) and its decoded absmax -> y (64 floats).
inline void block_nf4(const uint8_t *q, float absmax, float *y) {
#if defined(__AVX2__)
    const __m256 lo = _mm256_loadu_ps(NF4_LEVELS), hi = _mm256_loadu_ps(NF4_LEVELS + 8);
    const __m256 am = _mm256_set1_ps(absmax);
    const __m256i m4 = _mm256_set1_epi32(0xF);
    for (int g = 0; g < 4; g++) {
        __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(q + 8 * g)));
        for (int h = 0; h < 2; h++) {
            __m256i idx = h ? _mm256_srli_epi32(b, 4) : _mm256_and_si256(b, m4);
            // bit 3 of the index picks the upper half of the table (blendv reads the sign bit).
            __m256 v = _mm256_blendv_ps(_mm256_permutevar8x32_ps(lo, idx), _mm256_permutevar8x32_ps(hi, idx),
                                        _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28)));
            _mm256_storeu_ps(y + 32 * h + 8 * g, _mm256_mul_ps(v, am));
        }
    }
#else
    for (int j = 0; j < 32; j++) {
        y[j] = NF4_LEVELS[q[j] & 0xF] * absmax;
        y[j + 32] = NF4_LEVELS[q[j] >> 4] * absmax;
    }
#endif
}

// Elements [k0, k0 + n) of one NF4 row of C elements (k0 and n multiples of 64) -> y.
inline void nf4_row_span(const uint8_t *row, int64_t C, int64_t k0, int64_t n, float *y) {
    const int64_t ng = nf4_groups(C), nb = C / 64;
    const int8_t *codes = (const int8_t *)(row + 8 * ng);
    const uint8_t *qs = row + 8 * ng + nb;
    for (int64_t b = k0 / 64, end = (k0 + n) / 64; b < end; b++, y += 64) {
        float scale, offset;
        memcpy(&scale, row + 8 * (b / 256), 4);
        memcpy(&offset, row + 8 * (b / 256) + 4, 4);
        const float absmax = fmaf(scale, (float)codes[b], offset);
        block_nf4(qs + 32 * b, absmax, y);
    }
}

}  // namespace
}  // namespace CORTADO_NS

#endif
