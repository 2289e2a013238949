// Matrix products with a weight matrix in any supported storage type, llm.c style:
//   matmul_forward_<type>:    y (T, OC) = x (T, C) . W^T      W (OC, C) row-major, rows in the type's layout
//   matmul_backward_x_<type>: dx (T, C) = dy (T, OC) . W      (overwrites dx)
// Compiled once per ISA (see Makefile).
//
// One design serves every type and direction: W is decoded on the fly, a panel of rows x a span of
// columns at a time, into a small float buffer that stays in cache (L1 for T <= 3, L2 otherwise),
// with exactly the dequantize kernels' floats (blocks.h); register-tiled FMA micro-kernels then reuse
// each decoded weight for every row of x. Activations stay float: the only error is float
// accumulation. This serves f32 / f16 / bf16, every backward, and the portable build.
//
// Exception, measured: the forward of the block types on AVX2. There x is quantized to 8 bits per
// block of 32 and weight blocks are multiplied in int8 as llama.cpp does (NF4's levels become int8
// too, see dot_nf4). Decoding (T <= 3, forward_q8): decoding to floats costs about one instruction
// per weight, slower than memory. Prefill (T > 3, forward_q8_tiles): int8 panels interleaved 8 rows
// to a vector (int32 lane r = output row r) and register tiles of 4 rows of x by 8 rows of W. AVX2
// has no int8 dot instruction; vpmaddubsw per 4 weights x 8 rows is the floor, and the layout lets
// a block's products be summed in int16 / int32 before one conversion and FMA per block, with no
// horizontal sums: ~155 GFLOP/s per core on Zen 3 at T = 128 (q4_0; q8_0 ~100), against ~87 for the 4 x 4
// tiles of one row per vector that it replaced.
//
// Exception, measured: f32 weights with T >= 16 rows (training): forward, backward_x and the weight
// gradient all go through one packed 6 x 16 GEMM (gemm_f32.h), ~85 GFLOP/s per Zen 3 core against
// ~80 (forward, backward_x) and ~63 (weight gradient) for the tiles below.
//
// Forward: the dot-product form (both x and the panel are contiguous along C), a micro-tile of up to
// 3 rows of x by 4 rows of W keeps 12 vector accumulators over a span of C, then reduces them
// horizontally. Backward: the outer-product form (dx and the panel are contiguous along C), a
// micro-tile of up to 4 rows of dy by 24 columns broadcasts dy and accumulates over the rows of W.
#include <math.h>
#include <stdlib.h>

#include <algorithm>
#include <type_traits>

#include "blocks.h"
#include "common.h"
#include "gemm_f32.h"
#include "isa.h"
#include "team.h"
#include "simd.h"
#include "q8_tile.h"
#include "xq8.h"

namespace CORTADO_NS {

using namespace cortado;

namespace {

// Modes of matmul_forward_fused_<type> (kernels.h): y_i = x W_i^T; y_i += x W_i^T; y_0 = silu(x W_0^T) * (x W_1^T).
enum FusedMode { FUSED_STORE = 0, FUSED_ADD = 1, FUSED_SWIGLU = 2 };


// ---- weight formats: the bytes of a row, and elements [k0, k0 + n) of it as floats ----------
// k0 and n are multiples of QK, except at the end of a row for the plain float types.

// Bytes ahead of a span that the float types' spans fetch, a line per line read: decoding streams
// each row once from memory, and the hardware prefetchers stop at every 4 KB page (as matmul_x8.cpp's
// PREFETCH; f16 weights, 576 x 1536 from memory on two threads: 13.5 -> 20 GB/s).
constexpr int64_t SPAN_PREFETCH = 4096;

inline void prefetch_span(const uint8_t *p, int64_t bytes) {
    for (int64_t o = 0; o < bytes; o += 64) __builtin_prefetch(p + SPAN_PREFETCH + o, 0, 3);
}

// Q8 marks the types with an int8 dot product against 8-bit activations (AVX2, T <= 3; see below).
struct F32W {
    static constexpr bool Q8 = false;
    static constexpr int QK = 1;
    static int64_t row_bytes(int64_t C) { return 4 * C; }
    static void span(const uint8_t *row, int64_t, int64_t k0, int64_t n, float *y) {
        prefetch_span(row + 4 * k0, 4 * n);
        memcpy(y, row + 4 * k0, 4 * n);
    }
};

struct F16W {
    static constexpr bool Q8 = false;
    static constexpr int QK = 1;
    static int64_t row_bytes(int64_t C) { return 2 * C; }
    static void span(const uint8_t *row, int64_t, int64_t k0, int64_t n, float *y) {
        const uint8_t *p = row + 2 * k0;
        prefetch_span(p, 2 * n);
        int64_t i = 0;
#if defined(__AVX2__)
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p + 2 * i))));
#endif
        for (; i < n; i++) y[i] = f16_to_f32(load_u16(p + 2 * i));
    }
};

struct BF16W {
    static constexpr bool Q8 = false;
    static constexpr int QK = 1;
    static int64_t row_bytes(int64_t C) { return 2 * C; }
    static void span(const uint8_t *row, int64_t, int64_t k0, int64_t n, float *y) {
        const uint8_t *p = row + 2 * k0;
        prefetch_span(p, 2 * n);
        int64_t i = 0;
#if defined(__AVX2__)
        for (; i + 8 <= n; i += 8) {
            __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p + 2 * i)));
            _mm256_storeu_ps(y + i, _mm256_castsi256_ps(_mm256_slli_epi32(h, 16)));
        }
#endif
        for (; i < n; i++) y[i] = bf16_to_f32(load_u16(p + 2 * i));
    }
};

template <int QKV, int BYTES, void (*BLOCK)(const uint8_t *, float *)>
struct BlockW {
    static constexpr bool Q8 = false;
    static constexpr int QK = QKV;
    static int64_t row_bytes(int64_t C) { return C / QK * BYTES; }
    static void span(const uint8_t *row, int64_t, int64_t k0, int64_t n, float *y) {
        const uint8_t *p = row + k0 / QK * BYTES;
        for (int64_t b = 0; b < n / QK; b++) BLOCK(p + b * BYTES, y + b * QK);
    }
};

struct NF4Span {
    static constexpr bool Q8 = false;
    static constexpr int QK = 64;
    static int64_t row_bytes(int64_t C) { return nf4_row_bytes(C); }
    static void span(const uint8_t *row, int64_t C, int64_t k0, int64_t n, float *y) { nf4_row_span(row, C, k0, n, y); }
};

// From this many rows of x (or dy) on, f32 products go through the packed GEMM (gemm_f32.h): its
// packing pays off once B is reused by many rows.
constexpr int64_t GEMM_MIN_T = 16;

// Column span per panel: a multiple of 256 (every block size divides it).
constexpr int64_t KC = 512;

inline int64_t round8(int64_t n) { return (n + 7) & ~(int64_t)7; }

float *alloc_floats(int64_t n) {
    void *p = nullptr;
    if (posix_memalign(&p, 64, (size_t)std::max<int64_t>(n, 16) * sizeof(float)) != 0) return nullptr;
    return (float *)p;
}

// Decodes rows [o0, o0 + on) x columns [k0, k0 + kn) of W into panel (row stride ldp >= round8(kn)),
// zero-filling each row up to round8(kn) so the micro-kernels may read whole vectors.
template <class W>
void decode_panel(const uint8_t *w, int64_t C, int64_t o0, int64_t on, int64_t k0, int64_t kn, float *panel, int64_t ldp) {
    const int64_t rb = W::row_bytes(C);
    for (int64_t r = 0; r < on; r++) {
        float *p = panel + r * ldp;
        W::span(w + (o0 + r) * rb, C, k0, kn, p);
        for (int64_t k = kn; k < round8(kn); k++) p[k] = 0.0f;
    }
}

// ---- forward micro-kernel: y[i][j] (+)= sum_k x[i][k] * p[j][k], i < M (rows of x), j < N ----

#if defined(__AVX2__)
inline __m256i tail_mask(int64_t r) {  // the first r (< 8) lanes
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)r), lanes);
}

// The four horizontal sums of a0..a3 as one vector.
inline __m128 hsum4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
    __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}
#endif

template <int M, int N>
void fwd_micro(const float *x, int64_t ldx, const float *p, int64_t ldp, int64_t kn, float *y, int64_t ldy, bool add) {
#if defined(__AVX2__)
    __m256 acc[M][N];
    CORTADO_UNROLL for (int i = 0; i < M; i++)
        CORTADO_UNROLL for (int j = 0; j < N; j++) acc[i][j] = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 8 <= kn; k += 8) {
        __m256 xv[M];
        CORTADO_UNROLL for (int i = 0; i < M; i++) xv[i] = _mm256_loadu_ps(x + i * ldx + k);
        CORTADO_UNROLL for (int j = 0; j < N; j++) {
            const __m256 wv = _mm256_load_ps(p + j * ldp + k);
            CORTADO_UNROLL for (int i = 0; i < M; i++) acc[i][j] = _mm256_fmadd_ps(xv[i], wv, acc[i][j]);
        }
    }
    if (k < kn) {  // x must not be read past its row: masked load (the panel is zero-padded)
        const __m256i mask = tail_mask(kn - k);
        __m256 xv[M];
        CORTADO_UNROLL for (int i = 0; i < M; i++) xv[i] = _mm256_maskload_ps(x + i * ldx + k, mask);
        CORTADO_UNROLL for (int j = 0; j < N; j++) {
            const __m256 wv = _mm256_load_ps(p + j * ldp + k);
            CORTADO_UNROLL for (int i = 0; i < M; i++) acc[i][j] = _mm256_fmadd_ps(xv[i], wv, acc[i][j]);
        }
    }
    CORTADO_UNROLL for (int i = 0; i < M; i++) {
        const __m256 z = _mm256_setzero_ps();
        __m128 s = hsum4(acc[i][0], N > 1 ? acc[i][N > 1 ? 1 : 0] : z, N > 2 ? acc[i][N > 2 ? 2 : 0] : z,
                         N > 3 ? acc[i][N > 3 ? 3 : 0] : z);
        float *yi = y + i * ldy;
        if (N == 4) {
            if (add) s = _mm_add_ps(s, _mm_loadu_ps(yi));
            _mm_storeu_ps(yi, s);
        } else {
            float t[4];
            _mm_storeu_ps(t, s);
            CORTADO_UNROLL for (int j = 0; j < N; j++) yi[j] = add ? yi[j] + t[j] : t[j];
        }
    }
#else
    float acc[M][N][8] = {};
    for (int64_t k0 = 0; k0 < kn; k0 += 8) {
        const int64_t len = std::min<int64_t>(8, kn - k0);
        CORTADO_UNROLL for (int i = 0; i < M; i++)
            CORTADO_UNROLL for (int j = 0; j < N; j++)
                for (int64_t l = 0; l < len; l++) acc[i][j][l] += x[i * ldx + k0 + l] * p[j * ldp + k0 + l];
    }
    CORTADO_UNROLL for (int i = 0; i < M; i++)
        CORTADO_UNROLL for (int j = 0; j < N; j++) {
            float s = 0;
            for (int l = 0; l < 8; l++) s += acc[i][j][l];
            y[i * ldy + j] = add ? y[i * ldy + j] + s : s;
        }
#endif
}

using FwdMicro = void (*)(const float *, int64_t, const float *, int64_t, int64_t, float *, int64_t, bool);
const FwdMicro FWD_MICRO[3][4] = {
    {fwd_micro<1, 1>, fwd_micro<1, 2>, fwd_micro<1, 3>, fwd_micro<1, 4>},
    {fwd_micro<2, 1>, fwd_micro<2, 2>, fwd_micro<2, 3>, fwd_micro<2, 4>},
    {fwd_micro<3, 1>, fwd_micro<3, 2>, fwd_micro<3, 3>, fwd_micro<3, 4>},
};

// y[t0..t0+tn, o0..o0+on] for all of C, span by span; panel holds on x KC floats.
template <class W>
void fwd_tile(const uint8_t *w, const float *x, float *y, int64_t C, int64_t OC, int64_t o0, int64_t on,
              int64_t t0, int64_t tn, float *panel) {
    const int64_t ldp = std::min(KC, round8(C));
    for (int64_t k0 = 0; k0 < C; k0 += KC) {
        const int64_t kn = std::min(KC, C - k0);
        decode_panel<W>(w, C, o0, on, k0, kn, panel, ldp);
        for (int64_t t = t0; t < t0 + tn; t += 3) {
            const int m = (int)std::min<int64_t>(3, t0 + tn - t);
            for (int64_t r = 0; r < on; r += 4) {
                const int n = (int)std::min<int64_t>(4, on - r);
                FWD_MICRO[m - 1][n - 1](x + t * C + k0, C, panel + r * ldp, ldp, kn, y + t * OC + o0 + r, OC, k0 > 0);
            }
        }
    }
}

// ---- T <= 3 (decoding) for the block types: int8 dot products ---------------------------------
// Decoding one token streams the whole weight matrix once, so it is bound by how fast the weights can
// be decoded and multiplied, not by FLOPs: decoding into floats costs ~1 instruction per weight.
// Like llama.cpp, x is quantized to 8 bits per block of 32 (an int8 q, a float scale d = amax / 127,
// and s = d * sum(q)), and whole weight blocks are multiplied in int8 with vpmaddubsw / vpmaddwd,
// one float FMA per 32 weights. The extra error is x's rounding: at most d / 2 per element
// (normalised error up to ~1e-2, see MatmulKernelsTest).
#if defined(__AVX2__)
struct XQ8 {
    const int8_t *q;
    const float *d, *s;
    // Decoding only (XQ8Rows), per block of 32: d broadcast to 8 floats, and 8 * (q[2j] + q[2j + 1])
    // as 16 int16, so that a block's scale is one vector multiply and q4_0's "- 8" one vpsubw.
    const float *d8 = nullptr;
    const int16_t *p8 = nullptr;
};

inline float hsum8(__m256 v) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

// Bytes ahead of the weights being read that a decoding dot prefetches. The hardware prefetchers stop
// at 4 KB page boundaries (the mapped model file is in 4 KB pages), so each new page of a row streaming
// from DRAM would start with demand misses; a software prefetch a page ahead crosses them. Measured
// (tools/bench/matmul-ab.c, q4_0 T = 1, 75 MB matrices, one thread): +8-30% CPU-time GFLOP/s at
// 512 B ahead, +2-5% more at 4 KB, no more beyond; prefetches never fault past the end.
constexpr int64_t PREFETCH_AHEAD = 4096;

// Prefetch the n bytes at p + PREFETCH_AHEAD (one super-block of a K type), a cache line at a time.
inline void prefetch_ahead(const uint8_t *p, int64_t n) {
    for (int64_t o = 0; o < n; o += 64) _mm_prefetch((const char *)(p + PREFETCH_AHEAD + o), _MM_HINT_T0);
}

// Sum of products of 32 unsigned (< 128) weight bytes with 32 signed x bytes, as 8 int32 -> float.
inline __m256 dot_u8s8(__m256i w, __m256i x) {
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1)));
}

float dot_q8_0(const uint8_t *row, int64_t C, const XQ8 &x) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    const int64_t nb = C / 32;
    int64_t b = 0;
    auto one = [&](int64_t i, __m256 acc) {
        const uint8_t *blk = row + 34 * i;
        __m256i w = _mm256_loadu_si256((const __m256i *)(blk + 2)), q = _mm256_load_si256((const __m256i *)(x.q + 32 * i));
        const __m256 d = _mm256_mul_ps(_mm256_cvtph_ps(_mm_set1_epi16((short)load_u16(blk))), _mm256_load_ps(x.d8 + 8 * i));
        // |w| * (q with w's sign): maddubs wants its first operand unsigned
        return _mm256_fmadd_ps(dot_u8s8(_mm256_sign_epi8(w, w), _mm256_sign_epi8(q, w)), d, acc);
    };
    for (; b + 4 <= nb; b += 4) {
        prefetch_ahead(row + 34 * b, 4 * 34);
        acc0 = one(b, acc0);
        acc1 = one(b + 1, acc1);
        acc2 = one(b + 2, acc2);
        acc3 = one(b + 3, acc3);
    }
    for (; b < nb; b++) acc0 = one(b, acc0);
    return hsum8(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
}

// q4_0 . x per block: (nibbles . q - 8 sum(q)) in int16 pairs (vpmaddubsw, vpsubw), int32 (vpmaddwd),
// float, times d_w * d_x (vpbroadcastw + vcvtph2ps of d_w, one multiply by x's broadcast d), one FMA:
// ~12 instructions per 32 weights, no scalar work, one horizontal sum per row.
inline __m256 scale_q4_0(const uint8_t *blk, const XQ8 &x, int64_t i) {
    const __m256 dw = _mm256_cvtph_ps(_mm_set1_epi16((short)load_u16(blk)));
    return _mm256_mul_ps(dw, _mm256_load_ps(x.d8 + 8 * i));
}

inline __m256i nibbles_32_and(const uint8_t *qs, __m256i m4) {
    const __m128i b = _mm_loadu_si128((const __m128i *)qs);
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(b, 4), b), m4);
}

inline __m256 int_q4_0(const uint8_t *blk, const XQ8 &x, int64_t i, __m256i m4, __m256i ones) {
    const __m256i p = _mm256_maddubs_epi16(nibbles_32_and(blk + 2, m4), _mm256_load_si256((const __m256i *)(x.q + 32 * i)));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_sub_epi16(p, _mm256_load_si256((const __m256i *)(x.p8 + 16 * i))), ones));
}

float dot_q4_0(const uint8_t *row, int64_t C, const XQ8 &x) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    const int64_t nb = C / 32;
    int64_t b = 0;
    auto one = [&](int64_t i, __m256 acc) {
        const uint8_t *blk = row + 18 * i;
        return _mm256_fmadd_ps(int_q4_0(blk, x, i, m4, ones), scale_q4_0(blk, x, i), acc);
    };
    for (; b + 4 <= nb; b += 4) {
        _mm_prefetch((const char *)(row + 18 * b + PREFETCH_AHEAD), _MM_HINT_T0);
        acc0 = one(b, acc0);
        acc1 = one(b + 1, acc1);
        acc2 = one(b + 2, acc2);
        acc3 = one(b + 3, acc3);
    }
    for (; b < nb; b++) acc0 = one(b, acc0);
    return hsum8(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
}

float dot_q4_k(const uint8_t *row, int64_t C, const XQ8 &x) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    float corr = 0;  // sum of dmin * m * s over sub-blocks
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int64_t sb = 0; sb < C / 256; sb++) {
        const uint8_t *blk = row + 144 * sb;
        prefetch_ahead(blk, 144);
        const float d = load_half(blk), dmin = load_half(blk + 2);
        const uint8_t *scales = blk + 4, *qs = blk + 16;
        for (int p = 0; p < 4; p++) {
            const int64_t xb = 8 * sb + 2 * p;
            __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * p));
            int sc0, m0, sc1, m1;
            scale_min_k4(2 * p, scales, &sc0, &m0);
            scale_min_k4(2 * p + 1, scales, &sc1, &m1);
            __m256 lo = dot_u8s8(_mm256_and_si256(q, m4), _mm256_loadu_si256((const __m256i *)(x.q + 32 * xb)));
            __m256 hi = dot_u8s8(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), _mm256_loadu_si256((const __m256i *)(x.q + 32 * xb + 32)));
            acc0 = _mm256_fmadd_ps(lo, _mm256_set1_ps(d * sc0 * x.d[xb]), acc0);
            acc1 = _mm256_fmadd_ps(hi, _mm256_set1_ps(d * sc1 * x.d[xb + 1]), acc1);
            corr += dmin * (m0 * x.s[xb] + m1 * x.s[xb + 1]);
        }
    }
    return hsum8(_mm256_add_ps(acc0, acc1)) - corr;
}

// Q4_1: d * q + m. Sum over a block = d * dx * sum(q * xq) + m * s.
float dot_q4_1(const uint8_t *row, int64_t C, const XQ8 &x) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    float corr = 0;
    const int64_t nb = C / 32;
    auto one = [&](int64_t i) {
        const uint8_t *blk = row + 20 * i;
        corr += load_half(blk + 2) * x.s[i];
        return _mm256_mul_ps(dot_u8s8(nibbles_32(blk + 4), _mm256_loadu_si256((const __m256i *)(x.q + 32 * i))),
                             _mm256_set1_ps(load_half(blk) * x.d[i]));
    };
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        acc0 = _mm256_add_ps(acc0, one(b));
        acc1 = _mm256_add_ps(acc1, one(b + 1));
    }
    if (b < nb) acc0 = _mm256_add_ps(acc0, one(b));
    return hsum8(_mm256_add_ps(acc0, acc1)) + corr;
}

// Q5_0: d * (q - 16), q = nibble | fifth bit (0..31).
float dot_q5_0(const uint8_t *row, int64_t C, const XQ8 &x) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    float corr = 0;
    const int64_t nb = C / 32;
    auto one = [&](int64_t i) {
        const uint8_t *blk = row + 22 * i;
        const float dw = load_half(blk);
        corr += dw * x.s[i];
        __m256i q = _mm256_or_si256(nibbles_32(blk + 6), fifth_bits(load_u32(blk + 2)));
        return _mm256_mul_ps(dot_u8s8(q, _mm256_loadu_si256((const __m256i *)(x.q + 32 * i))), _mm256_set1_ps(dw * x.d[i]));
    };
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        acc0 = _mm256_add_ps(acc0, one(b));
        acc1 = _mm256_add_ps(acc1, one(b + 1));
    }
    if (b < nb) acc0 = _mm256_add_ps(acc0, one(b));
    return hsum8(_mm256_add_ps(acc0, acc1)) - 16 * corr;
}

// Q5_1: d * q + m, q = nibble | fifth bit.
float dot_q5_1(const uint8_t *row, int64_t C, const XQ8 &x) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    float corr = 0;
    const int64_t nb = C / 32;
    auto one = [&](int64_t i) {
        const uint8_t *blk = row + 24 * i;
        corr += load_half(blk + 2) * x.s[i];
        __m256i q = _mm256_or_si256(nibbles_32(blk + 8), fifth_bits(load_u32(blk + 4)));
        return _mm256_mul_ps(dot_u8s8(q, _mm256_loadu_si256((const __m256i *)(x.q + 32 * i))), _mm256_set1_ps(load_half(blk) * x.d[i]));
    };
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        acc0 = _mm256_add_ps(acc0, one(b));
        acc1 = _mm256_add_ps(acc1, one(b + 1));
    }
    if (b < nb) acc0 = _mm256_add_ps(acc0, one(b));
    return hsum8(_mm256_add_ps(acc0, acc1)) + corr;
}

// Q5_K: as Q4_K with a fifth bit per weight from qh.
float dot_q5_k(const uint8_t *row, int64_t C, const XQ8 &x) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    float corr = 0;
    const __m256i m4 = _mm256_set1_epi8(0x0F), sixteen = _mm256_set1_epi8(16);
    for (int64_t sb = 0; sb < C / 256; sb++) {
        const uint8_t *blk = row + 176 * sb;
        const float d = load_half(blk), dmin = load_half(blk + 2);
        const uint8_t *scales = blk + 4, *ql = blk + 48;
        const __m256i h = _mm256_loadu_si256((const __m256i *)(blk + 16));
        for (int p = 0; p < 4; p++) {
            const int64_t xb = 8 * sb + 2 * p;
            const __m256i s1 = _mm256_set1_epi8((char)(1 << (2 * p))), s2 = _mm256_set1_epi8((char)(2 << (2 * p)));
            __m256i q = _mm256_loadu_si256((const __m256i *)(ql + 32 * p));
            __m256i h1 = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(h, s1), s1), sixteen);
            __m256i h2 = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(h, s2), s2), sixteen);
            int sc0, m0, sc1, m1;
            scale_min_k4(2 * p, scales, &sc0, &m0);
            scale_min_k4(2 * p + 1, scales, &sc1, &m1);
            __m256 lo = dot_u8s8(_mm256_or_si256(_mm256_and_si256(q, m4), h1), _mm256_loadu_si256((const __m256i *)(x.q + 32 * xb)));
            __m256 hi = dot_u8s8(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), h2),
                                 _mm256_loadu_si256((const __m256i *)(x.q + 32 * xb + 32)));
            acc0 = _mm256_fmadd_ps(lo, _mm256_set1_ps(d * sc0 * x.d[xb]), acc0);
            acc1 = _mm256_fmadd_ps(hi, _mm256_set1_ps(d * sc1 * x.d[xb + 1]), acc1);
            corr += dmin * (m0 * x.s[xb] + m1 * x.s[xb + 1]);
        }
    }
    return hsum8(_mm256_add_ps(acc0, acc1)) - corr;
}

float dot_q6_k(const uint8_t *row, int64_t C, const XQ8 &x) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03), k32 = _mm256_set1_epi8(32);
    for (int64_t sb = 0; sb < C / 256; sb++) {
        const uint8_t *blk = row + 210 * sb;
        prefetch_ahead(blk, 210);
        const float d = load_half(blk + 208);
        const uint8_t *ql = blk, *qh = blk + 128;
        const int8_t *sc = (const int8_t *)(blk + 192);
        for (int half = 0; half < 2; half++, ql += 64, qh += 32, sc += 8) {
            __m256i l0 = _mm256_loadu_si256((const __m256i *)ql), l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            __m256i h = _mm256_loadu_si256((const __m256i *)qh);
            __m256i qv[4] = {
                _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(h, m2), 4)),
                _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m2), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m2), 4))};
            for (int k = 0; k < 4; k++) {
                const int64_t xb = 8 * sb + 4 * half + k;
                __m256i xq = _mm256_loadu_si256((const __m256i *)(x.q + 32 * xb));
                // pairs of (q - 32) * x as int16, then each half (16 weights) times its scale
                __m256i p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(qv[k], xq), _mm256_maddubs_epi16(k32, xq));
                __m256i scv = _mm256_set_m128i(_mm_set1_epi16(sc[2 * k + 1]), _mm_set1_epi16(sc[2 * k]));
                __m256 f = _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, scv));
                if (k & 1) acc1 = _mm256_fmadd_ps(f, _mm256_set1_ps(d * x.d[xb]), acc1);
                else acc0 = _mm256_fmadd_ps(f, _mm256_set1_ps(d * x.d[xb]), acc0);
            }
        }
    }
    return hsum8(_mm256_add_ps(acc0, acc1));
}

// NF4: the 16 levels as int8 (round(level * 127)): the weights are approximated here, by at most
// 0.5 / 127 of their block's absmax (1/20 of NF4's smallest step), on top of x's rounding; this is
// the one kernel that does not multiply the exact weights (as IQ4_NL does in llama.cpp, whose
// levels are int8 by definition).
const int8_t *nf4_levels_i8() {
    static const int8_t *table = [] {
        static int8_t t[16];
        for (int i = 0; i < 16; i++) t[i] = (int8_t)lrintf(NF4_LEVELS[i] * 127.0f);
        return t;
    }();
    return table;
}

float dot_nf4(const uint8_t *row, int64_t C, const XQ8 &x) {
    const __m256i lut = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)nf4_levels_i8()));
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const int64_t ng = nf4_groups(C), nb = C / 64;
    const int8_t *codes = (const int8_t *)(row + 8 * ng);
    const uint8_t *qs = row + 8 * ng + nb;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        float scale, offset;
        memcpy(&scale, row + 8 * (b / 256), 4);
        memcpy(&offset, row + 8 * (b / 256) + 4, 4);
        const float absmax = fmaf(scale, (float)codes[b], offset) * (1.0f / 127.0f);
        __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * b));
        __m256i wlo = _mm256_shuffle_epi8(lut, _mm256_and_si256(q, m4));
        __m256i whi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(q, 4), m4));
        __m256i xlo = _mm256_loadu_si256((const __m256i *)(x.q + 64 * b)), xhi = _mm256_loadu_si256((const __m256i *)(x.q + 64 * b + 32));
        __m256 plo = dot_u8s8(_mm256_sign_epi8(wlo, wlo), _mm256_sign_epi8(xlo, wlo));
        __m256 phi = dot_u8s8(_mm256_sign_epi8(whi, whi), _mm256_sign_epi8(xhi, whi));
        acc0 = _mm256_fmadd_ps(plo, _mm256_set1_ps(absmax * x.d[2 * b]), acc0);
        acc1 = _mm256_fmadd_ps(phi, _mm256_set1_ps(absmax * x.d[2 * b + 1]), acc1);
    }
    return hsum8(_mm256_add_ps(acc0, acc1));
}

// ---- four rows at once (decoding, short rows) -----------------------------------------------------
// A short row's dot (576 weights: 18 blocks) spends much of its time on the horizontal sum at its end;
// four rows share each load of x and reduce together (three hadds for four sums). Measured on Zen
// (tools/bench/matmul-ab.c, T = 1, one thread): q4_0 C = 576 +15% in cache, +20% from DRAM (with
// the prefetch in dot_rows); but -5% for C >= 1536 (the per-row lane broadcasts cost more than the
// sums saved) and q8_0 was slower (-2% at C = 576, -17% at 1536), so only q4_0 rows of C <= FOUR_MAX_C take this path.
// Against the single-row dot_q4_0 with its precomputed -8 term (one vpsubw per row and block, where
// this kernel's scalar-free correction is one FMA per four rows): +9% at C = 576, but -4% at 1024.
// Every row is summed the same way whichever group it falls in (a group of fewer than four repeats
// its last row), so results never depend on how rows are grouped or split across threads.
const int64_t FOUR_MAX_C = 768;

// The four sums of acc[0..3] as one vector: lane r = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) of acc[r].
inline __m128 hsum4x8(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
    const __m256 s = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    return _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
}

// Lane r of a 4-float vector, broadcast to 8.
template <int R>
inline __m256 lane(__m128 v) {
    return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(v), _mm256_set1_epi32(R));
}

// The fp16 at byte offset off of each of four rows, as floats.
inline __m128 halves4(const uint8_t *const *rows, int64_t off) {
    return _mm_cvtph_ps(_mm_setr_epi16((short)load_u16(rows[0] + off), (short)load_u16(rows[1] + off),
                                       (short)load_u16(rows[2] + off), (short)load_u16(rows[3] + off), 0, 0, 0, 0));
}

void dot4_q4_0(const uint8_t *const *rows, int64_t C, const XQ8 &x, float *out) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    __m128 corr = _mm_setzero_ps();  // per row: sum over blocks of dw * s, the "- 8" of every weight
    for (int64_t b = 0; b < C / 32; b++) {
        const __m256i xq = _mm256_loadu_si256((const __m256i *)(x.q + 32 * b));
        const __m128 dw = halves4(rows, 18 * b);
        corr = _mm_fmadd_ps(dw, _mm_set1_ps(x.s[b]), corr);
        const __m128 d = _mm_mul_ps(dw, _mm_set1_ps(x.d[b]));
        acc0 = _mm256_fmadd_ps(dot_u8s8(nibbles_32_and(rows[0] + 18 * b + 2, m4), xq), lane<0>(d), acc0);
        acc1 = _mm256_fmadd_ps(dot_u8s8(nibbles_32_and(rows[1] + 18 * b + 2, m4), xq), lane<1>(d), acc1);
        acc2 = _mm256_fmadd_ps(dot_u8s8(nibbles_32_and(rows[2] + 18 * b + 2, m4), xq), lane<2>(d), acc2);
        acc3 = _mm256_fmadd_ps(dot_u8s8(nibbles_32_and(rows[3] + 18 * b + 2, m4), xq), lane<3>(d), acc3);
    }
    _mm_storeu_ps(out, _mm_fnmadd_ps(_mm_set1_ps(8.0f), corr, hsum4x8(acc0, acc1, acc2, acc3)));
}

// The types without a four-row kernel: four single-row dots.
template <float (*DOT)(const uint8_t *, int64_t, const XQ8 &)>
void dot4_each(const uint8_t *const *rows, int64_t C, const XQ8 &x, float *out) {
    for (int r = 0; r < 4; r++) out[r] = DOT(rows[r], C, x);
}

template <float (*DOT)(const uint8_t *, int64_t, const XQ8 &),
          void (*DOT4)(const uint8_t *const *, int64_t, const XQ8 &, float *) = dot4_each<DOT>>
struct Q8Dot {
    static constexpr bool FOUR = DOT4 != dot4_each<DOT>;  // a real four-row kernel (else one row at a time is faster)
    static float dot(const uint8_t *row, int64_t C, const XQ8 &x) { return DOT(row, C, x); }
    static void dot4(const uint8_t *const *rows, int64_t C, const XQ8 &x, float *out) { DOT4(rows, C, x, out); }
};

// Weights per thread before a decoding product is split across threads. One token's product is
// memory-bound and short (a 576 x 576 Q4_0 matrix is 190 KB, ~20 us), and one core already reads
// near the machine's bandwidth; waking a sleeping OpenMP thread (OMP_WAIT_POLICY=passive) and the
// barrier after it cost ~5-10 us on an idle core and far more when the cores are shared, so small
// products run on the calling thread.
const int64_t DECODE_GRAIN = 1 << 19;

// y[t * ldy + r] = row r . x_t for the n <= 4 rows at w, w + rb, ... and every t < T.
template <class W>
inline void dot_rows(const uint8_t *w, int64_t rb, int64_t n, int64_t C, const XQ8 *xs, int64_t T, float *y, int64_t ldy) {
    if (W::FOUR && C <= FOUR_MAX_C) {
        // Four rows are four interleaved streams, which the hardware prefetchers follow less well than
        // one row after another: fetch the group four ahead (+20% from DRAM at C = 576 against two ahead's
        // +15%; prefetches never fault past the end).
        for (int64_t off = 0; off < 4 * rb; off += 64) _mm_prefetch((const char *)(w + 16 * rb + off), _MM_HINT_T0);
        const uint8_t *rows[4];
        for (int r = 0; r < 4; r++) rows[r] = w + std::min<int64_t>(r, n - 1) * rb;
        for (int64_t t = 0; t < T; t++) {
            float out[4];
            W::dot4(rows, C, xs[t], out);
            for (int64_t r = 0; r < n; r++) y[t * ldy + r] = out[r];
        }
    } else {
        for (int64_t r = 0; r < n; r++)
            for (int64_t t = 0; t < T; t++) y[t * ldy + r] = W::dot(w + r * rb, C, xs[t]);
    }
}

// x (T <= 3 rows of C) quantized for the int8 dots.
struct XQ8Rows {
    XQ8 xs[3];
    int8_t *q;
    float *ds, *d8;
    int16_t *p8;
    XQ8Rows(const float *x, int64_t T, int64_t C) {
        const int64_t nb = C / 32;
        // sizes are multiples of 32 (C is), as aligned_alloc wants; + 32 so that none is 0
        q = (int8_t *)aligned_alloc(32, (size_t)(T * C + 32));
        ds = (float *)malloc((size_t)(2 * T * nb + 8) * sizeof(float));
        d8 = (float *)aligned_alloc(32, (size_t)(8 * T * nb + 8) * sizeof(float));
        p8 = (int16_t *)aligned_alloc(32, (size_t)(16 * T * nb + 16) * sizeof(int16_t));
        if (!q || !ds || !d8 || !p8) abort();  // a few KB: failing here means the process is already lost
        const __m256i eight = _mm256_set1_epi8(8);
        for (int64_t t = 0; t < T; t++) {
            int8_t *qt = q + t * C;
            float *dt = ds + 2 * t * nb, *d8t = d8 + 8 * t * nb;
            int16_t *p8t = p8 + 16 * t * nb;
            quantize_x_q8(x + t * C, C, qt, dt, dt + nb);
            for (int64_t b = 0; b < nb; b++) {
                _mm256_store_ps(d8t + 8 * b, _mm256_set1_ps(dt[b]));
                _mm256_store_si256((__m256i *)(p8t + 16 * b), _mm256_maddubs_epi16(eight, _mm256_load_si256((const __m256i *)(qt + 32 * b))));
            }
            xs[t] = XQ8{qt, dt, dt + nb, d8t, p8t};
        }
    }
    ~XQ8Rows() {
        free(q);
        free(ds);
        free(d8);
        free(p8);
    }
};

// y (T, OC) for T <= 3 through the int8 dots; rows of W split across threads.
template <class W>
void forward_q8(const uint8_t *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads) {
    const XQ8Rows xq(x, T, C);
    const int64_t rb = W::row_bytes(C), groups = (OC + 3) / 4;
#pragma omp parallel for num_threads(threads_for(C * OC, DECODE_GRAIN, threads)) schedule(static)
    for (int64_t g = 0; g < groups; g++) dot_rows<W>(w + 4 * g * rb, rb, std::min<int64_t>(4, OC - 4 * g), C, xq.xs, T, y + 4 * g, OC);
}

// ---- fused decoding products (matmul_forward_fused_<type>) -------------------------------------
// One decoded token runs ~7 products per layer, each its own kernel call and parallel region (a futex
// wake of the other threads and a barrier), plus an element-wise pass for the residual add and SwiGLU.
// The products sharing one x run here as one region over all their rows (Q, K, V; gate and up), x
// quantized once, and the element-wise step is done on each group of rows as it is computed.
// The groups of 4 rows of up to three products (fused_q8's modes) for the T <= 3 rows of x in xq, shared
// among the threads of the enclosing parallel region (an orphaned omp for, ending in its barrier).
template <class W>
void fused_q8_groups(const uint8_t *const *w, float *const *y, const int64_t *oc, const XQ8Rows &xq, int64_t T, int64_t C,
                     int mode) {
    const int64_t rb = W::row_bytes(C);
    const int nm = mode == FUSED_SWIGLU ? 1 : 3;  // SwiGLU: group g is rows 4g.. of both gate (w[0]) and up (w[1])
    int64_t groups[3] = {0, 0, 0}, total = 0;
    for (int m = 0; m < nm; m++) total += groups[m] = (oc[m] + 3) / 4;
#pragma omp for schedule(static)
    for (int64_t g = 0; g < total; g++) {
        int m = 0;
        int64_t k = g;
        while (k >= groups[m]) k -= groups[m++];
        const int64_t o = 4 * k, n = std::min<int64_t>(4, oc[m] - o), ld = oc[m];
        if (mode == FUSED_STORE) {
            dot_rows<W>(w[m] + o * rb, rb, n, C, xq.xs, T, y[m] + o, ld);
            continue;
        }
        float a[12] = {0}, b[12] = {0};  // (T, 4)
        dot_rows<W>(w[m] + o * rb, rb, n, C, xq.xs, T, a, 4);
        if (mode == FUSED_SWIGLU) {
            dot_rows<W>(w[1] + o * rb, rb, n, C, xq.xs, T, b, 4);
            cortado_simd::silu_mul_span(a, a, b, 4 * T);  // as swiglu_forward_f32 computes each element
        }
        for (int64_t t = 0; t < T; t++)
            for (int64_t r = 0; r < n; r++) {
                float &out = y[m][t * ld + o + r];
                out = mode == FUSED_ADD ? out + a[4 * t + r] : a[4 * t + r];
            }
    }
}

template <class W>
void fused_q8(const uint8_t *const *w, float *const *y, const int64_t *oc, const float *x, int64_t T, int64_t C, int mode,
              int threads) {
    const XQ8Rows xq(x, T, C);
    int64_t work = 0;
    for (int m = 0; m < (mode == FUSED_SWIGLU ? 1 : 3); m++) work += C * oc[m] * (mode == FUSED_SWIGLU ? 2 : 1);
#pragma omp parallel num_threads(threads_for(work, DECODE_GRAIN, threads))
    fused_q8_groups<W>(w, y, oc, xq, T, C, mode);
}

// ---- T > 3 (prefill) for the block types: int8 register tiles ----------------------------------
// The same int8 products as decoding, arranged like the float path: a panel of weight rows is
// decoded once per span (row by row, then interleaved 8 rows at a time, see Q8Group) into int8
// blocks of 32 (the type's integer levels, unsigned where they are offset, signed for q8_0 / q6_k /
// nf4) with a float scale per block (d, or d * sc for the K types) and a float coefficient of x's
// block sum (the offset: -8 d, m, -dmin * m, ...); then micro-tiles of
// M rows of x by a group of 8 rows multiply each loaded weight vector by every row of x in the tile.
// x is quantized once per call. Same error as decoding (x rounded to 8 bits per block of 32).
struct Q8Panel {
    int8_t *q;    // rows x QKC weights, row stride QKC
    float *d;     // rows x QKC / 32: scale of the int8 dot
    float *c;     // rows x QKC / 32: coefficient of x's block sum s (0 where the type has no offset)
    int16_t *sc;  // rows x QKC / 32 x 2: Q6_K's two 16-element sub-scales per block (else unused)
};

// Columns per int8 panel (a multiple of 256).
constexpr int64_t QKC = 1024;

// Span decoders: blocks [b0, b0 + nb) of 32 of one row (b0 a multiple of 8) into q, d, c, sc.
struct Q8_0Span {
    static constexpr bool SIGNED = true, SC16 = false, CORR = false;
    static constexpr int LEVEL_MAX = 127;
    static void span(const uint8_t *row, int64_t, int64_t b0, int64_t nb, int8_t *q, float *d, float *c, int16_t *) {
        for (int64_t i = 0; i < nb; i++) {
            const uint8_t *blk = row + 34 * (b0 + i);
            _mm256_store_si256((__m256i *)(q + 32 * i), _mm256_loadu_si256((const __m256i *)(blk + 2)));
            d[i] = load_half(blk);
            c[i] = 0;
        }
    }
};

// Q4_0, Q4_1, Q5_0, Q5_1: nibbles (and the fifth bit) as unsigned levels; the offset goes to c.
template <int BYTES, bool MIN, bool FIFTH>
struct Q45Span {
    static constexpr bool SIGNED = false, SC16 = false, CORR = true;
    static constexpr int LEVEL_MAX = FIFTH ? 31 : 15;
    static void span(const uint8_t *row, int64_t, int64_t b0, int64_t nb, int8_t *q, float *d, float *c, int16_t *) {
        const int qs = 2 + (MIN ? 2 : 0) + (FIFTH ? 4 : 0);
        for (int64_t i = 0; i < nb; i++) {
            const uint8_t *blk = row + BYTES * (b0 + i);
            __m256i v = nibbles_32(blk + qs);
            if (FIFTH) v = _mm256_or_si256(v, fifth_bits(load_u32(blk + (MIN ? 4 : 2))));
            _mm256_store_si256((__m256i *)(q + 32 * i), v);
            const float dw = load_half(blk);
            d[i] = dw;
            c[i] = MIN ? load_half(blk + 2) : (FIFTH ? -16.0f : -8.0f) * dw;
        }
    }
};

// Q4_K, Q5_K: sub-block j of a super-block: levels 0..15 (0..31), scale d * sc_j, offset -dmin * m_j.
template <bool FIFTH>
struct QKSpan {
    static constexpr bool SIGNED = false, SC16 = false, CORR = true;
    static constexpr int LEVEL_MAX = FIFTH ? 31 : 15;
    static void span(const uint8_t *row, int64_t, int64_t b0, int64_t nb, int8_t *q, float *d, float *c, int16_t *) {
        const __m256i m4 = _mm256_set1_epi8(0x0F), sixteen = _mm256_set1_epi8(16);
        for (int64_t sb = b0 / 8; sb < (b0 + nb) / 8; sb++, q += 256, d += 8, c += 8) {
            const uint8_t *blk = row + (FIFTH ? 176 : 144) * sb;
            const float dd = load_half(blk), dmin = load_half(blk + 2);
            const uint8_t *scales = blk + 4, *qs = blk + (FIFTH ? 48 : 16);
            const __m256i h = FIFTH ? _mm256_loadu_si256((const __m256i *)(blk + 16)) : _mm256_setzero_si256();
            for (int p = 0; p < 4; p++) {
                __m256i v = _mm256_loadu_si256((const __m256i *)(qs + 32 * p));
                __m256i lo = _mm256_and_si256(v, m4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
                if (FIFTH) {
                    const __m256i s1 = _mm256_set1_epi8((char)(1 << (2 * p))), s2 = _mm256_set1_epi8((char)(2 << (2 * p)));
                    lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(h, s1), s1), sixteen));
                    hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(h, s2), s2), sixteen));
                }
                _mm256_store_si256((__m256i *)(q + 64 * p), lo);
                _mm256_store_si256((__m256i *)(q + 64 * p + 32), hi);
                int sc0, m0, sc1, m1;
                scale_min_k4(2 * p, scales, &sc0, &m0);
                scale_min_k4(2 * p + 1, scales, &sc1, &m1);
                d[2 * p] = dd * sc0, c[2 * p] = -dmin * m0;
                d[2 * p + 1] = dd * sc1, c[2 * p + 1] = -dmin * m1;
            }
        }
    }
};

// Q6_K: signed levels q - 32, scale d, and the two int8 sub-scales of the block's halves.
struct Q6_KSpan {
    static constexpr bool SIGNED = true, SC16 = true, CORR = false;
    static constexpr int LEVEL_MAX = 32;
    static void span(const uint8_t *row, int64_t, int64_t b0, int64_t nb, int8_t *q, float *d, float *c, int16_t *sc16) {
        const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03), k32 = _mm256_set1_epi8(32);
        for (int64_t sb = b0 / 8; sb < (b0 + nb) / 8; sb++) {
            const uint8_t *blk = row + 210 * sb;
            const float dd = load_half(blk + 208);
            const uint8_t *ql = blk, *qh = blk + 128;
            const int8_t *sc = (const int8_t *)(blk + 192);
            for (int half = 0; half < 2; half++, ql += 64, qh += 32, sc += 8) {
                __m256i l0 = _mm256_loadu_si256((const __m256i *)ql), l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
                __m256i h = _mm256_loadu_si256((const __m256i *)qh);
                __m256i qv[4] = {
                    _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(h, m2), 4)),
                    _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m2), 4)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m2), 4)),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m2), 4))};
                for (int k = 0; k < 4; k++, q += 32, d++, c++, sc16 += 2) {
                    _mm256_store_si256((__m256i *)q, _mm256_sub_epi8(qv[k], k32));
                    *d = dd, *c = 0;
                    sc16[0] = sc[2 * k], sc16[1] = sc[2 * k + 1];
                }
            }
        }
    }
};

// NF4: the levels as int8 (see dot_nf4), scale absmax / 127 for both halves of a block of 64.
struct NF4Q8Span {
    static constexpr bool SIGNED = true, SC16 = false, CORR = false;
    static constexpr int LEVEL_MAX = 127;
    static void span(const uint8_t *row, int64_t C, int64_t b0, int64_t nb, int8_t *q, float *d, float *c, int16_t *) {
        const __m256i lut = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)nf4_levels_i8()));
        const __m256i m4 = _mm256_set1_epi8(0x0F);
        const int64_t ng = nf4_groups(C), nb64 = C / 64;
        const int8_t *codes = (const int8_t *)(row + 8 * ng);
        const uint8_t *qs = row + 8 * ng + nb64;
        for (int64_t b = b0 / 2; b < (b0 + nb) / 2; b++, q += 64, d += 2, c += 2) {
            float scale, offset;
            memcpy(&scale, row + 8 * (b / 256), 4);
            memcpy(&offset, row + 8 * (b / 256) + 4, 4);
            const float absmax = fmaf(scale, (float)codes[b], offset) * (1.0f / 127.0f);
            __m256i v = _mm256_loadu_si256((const __m256i *)(qs + 32 * b));
            _mm256_store_si256((__m256i *)q, _mm256_shuffle_epi8(lut, _mm256_and_si256(v, m4)));
            _mm256_store_si256((__m256i *)(q + 32), _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v, 4), m4)));
            d[0] = d[1] = absmax;
            c[0] = c[1] = 0;
        }
    }
};

// Rows q[r * ldq], r < 8, blocks [0, nb) of the row-major span decoders' output -> the group layout.
inline void interleave8(const int8_t *q, int64_t ldq, const float *d, const float *c, const int16_t *sc, int64_t ldd,
                        int64_t nb, bool sc16, Q8Group g) {
    for (int64_t b = 0; b < nb; b++) {
        __m256i r[8], t[8], u[8];
        CORTADO_UNROLL for (int i = 0; i < 8; i++) r[i] = _mm256_load_si256((const __m256i *)(q + i * ldq + 32 * b));
        CORTADO_UNROLL for (int i = 0; i < 8; i += 2) {
            t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);      // steps 0 1 | 4 5 of rows i, i+1
            t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);  // steps 2 3 | 6 7
        }
        CORTADO_UNROLL for (int i = 0; i < 8; i += 4) {
            u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);      // step 0 | 4 of rows i .. i+3
            u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);  // step 1 | 5
            u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
            u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
        }
        __m256i *o = (__m256i *)(g.q + 256 * b);
        CORTADO_UNROLL for (int s = 0; s < 4; s++) {
            _mm256_store_si256(o + s, _mm256_permute2x128_si256(u[s], u[s + 4], 0x20));
            _mm256_store_si256(o + s + 4, _mm256_permute2x128_si256(u[s], u[s + 4], 0x31));
        }
        for (int i = 0; i < 8; i++) {
            g.d[8 * b + i] = d[i * ldd + b];
            g.c[8 * b + i] = c[i * ldd + b];
            if (sc16) {
                g.sc[32 * b + 2 * i] = g.sc[32 * b + 2 * i + 1] = sc[2 * (i * ldd + b)];
                g.sc[32 * b + 16 + 2 * i] = g.sc[32 * b + 16 + 2 * i + 1] = sc[2 * (i * ldd + b) + 1];
            }
        }
    }
}

// Register tile: 4 rows of x by one group of 8 rows of W. Per 4 weights and row of x: one vpmaddubsw,
// one 16-bit add, and for signed levels one vpsignb; per block of 32: one vpmaddwd, conversion and two FMAs.
constexpr int QM = 4;

// y (T, OC) for T > 3 through int8 tiles; tiles of 64 rows of W (x a range of rows of x) across threads.
template <class W>
void forward_q8_tiles(const uint8_t *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads) {
    using S = typename W::Span8;
    const int64_t nb = C / 32;
    int8_t *xq = (int8_t *)malloc((size_t)(T * C));
    float *xd = (float *)malloc((size_t)(2 * T * nb) * sizeof(float));
    if (!xq || !xd) abort();  // T x C bytes: the caller already holds 4 x that in x
    float *xs = xd + T * nb;
#pragma omp parallel for num_threads(threads_for(T * C, 1 << 16, threads)) schedule(static)
    for (int64_t t = 0; t < T; t++) quantize_x_q8(x + t * C, C, xq + t * C, xd + t * nb, xs + t * nb);

    const int64_t NB = 64, NG = NB / 8;
    const int64_t n_o = (OC + NB - 1) / NB;
    int64_t n_t = 1;  // split T too when OC gives too few tiles to keep every thread busy
    if (n_o < 2 * threads) n_t = std::min<int64_t>((T + 47) / 48, (2 * threads + n_o - 1) / n_o);
    const int64_t TB = (T + n_t - 1) / n_t;
    const int64_t tiles = n_o * n_t;
    const int nt = (int)std::min<int64_t>(threads_for(T * C * OC, 1 << 18, threads), tiles);
    const int64_t ldpq = std::min(QKC, C), ldpd = ldpq / 32;
#pragma omp parallel num_threads(nt)
    {
        // the row-major span of 8 rows (q, d, c, sc), then the tile's 8 groups, then 8 x 64 floats of y
        const size_t rows_bytes = (size_t)(8 * ldpq + 8 * ldpd * 16), group_bytes = (size_t)(ldpd * (256 + 32 + 32 + 64));
        void *mem = nullptr;
        if (posix_memalign(&mem, 64, rows_bytes + NG * group_bytes + 4 * 64 * sizeof(float)) != 0) mem = nullptr;
        Q8Panel p{(int8_t *)mem, nullptr, nullptr, nullptr};
        Q8Group gs[NG];
        float *ytail = nullptr;
        if (mem) {
            p.d = (float *)(p.q + 8 * ldpq);
            p.c = p.d + 8 * ldpd;
            p.sc = (int16_t *)(p.c + 8 * ldpd);
            for (int64_t gi = 0; gi < NG; gi++) {
                int8_t *base = (int8_t *)mem + rows_bytes + gi * group_bytes;
                gs[gi] = Q8Group{base, (float *)(base + 256 * ldpd), (float *)(base + 288 * ldpd), (int16_t *)(base + 320 * ldpd)};
            }
            ytail = (float *)((int8_t *)mem + rows_bytes + NG * group_bytes);
        }
        const int64_t rb = W::row_bytes(C);
#pragma omp for schedule(static)
        for (int64_t tile = 0; tile < tiles; tile++) {
            if (!mem) abort();  // ~100 KB: failing here means the process is already lost
            const int64_t o0 = (tile % n_o) * NB, t0 = (tile / n_o) * TB;
            const int64_t on = std::min(NB, OC - o0), t1 = std::min(T, t0 + TB);
            const int64_t ng = (on + 7) / 8;
            for (int64_t k0 = 0; k0 < C; k0 += ldpq) {
                const int64_t b0 = k0 / 32, kb = std::min(ldpq, C - k0) / 32;
                for (int64_t gi = 0; gi < ng; gi++) {
                    for (int64_t r = 0; r < 8; r++) {
                        const int64_t o = o0 + 8 * gi + r;
                        if (o < OC) {
                            S::span(w + o * rb, C, b0, kb, p.q + r * ldpq, p.d + r * ldpd, p.c + r * ldpd, p.sc + 2 * r * ldpd);
                        } else {  // rows past OC: zeros, their outputs dropped below
                            memset(p.q + r * ldpq, 0, (size_t)(32 * kb));
                            for (int64_t b = 0; b < kb; b++) p.d[r * ldpd + b] = p.c[r * ldpd + b] = 0, p.sc[2 * (r * ldpd + b)] = p.sc[2 * (r * ldpd + b) + 1] = 0;
                        }
                    }
                    interleave8(p.q, ldpq, p.d, p.c, p.sc, ldpd, kb, S::SC16, gs[gi]);
                }
                for (int64_t gi = 0; gi < ng; gi++) {
                    const int64_t og = o0 + 8 * gi;
                    const bool full = og + 8 <= OC;
                    int64_t t = t0;
                    for (; t < t1; t += QM) {
                        const int64_t m = std::min<int64_t>(QM, t1 - t);
                        // a partial group writes to ytail first, then copies its valid lanes
                        float *yo = full ? y + t * OC + og : ytail;
                        const int64_t ldy = full ? OC : 8;
                        if (!full && k0 > 0)
                            for (int64_t i = 0; i < m; i++) memcpy(ytail + 8 * i, y + (t + i) * OC + og, (size_t)(OC - og) * 4);
                        const int8_t *xqt = xq + t * C + k0;
                        const float *xdt = xd + t * nb + b0, *xst = xs + t * nb + b0;
                        switch (m) {
                            case 4: q8_micro<4, S>(xqt, C, xdt, xst, nb, gs[gi], kb, yo, ldy, k0 > 0); break;
                            case 3: q8_micro<3, S>(xqt, C, xdt, xst, nb, gs[gi], kb, yo, ldy, k0 > 0); break;
                            case 2: q8_micro<2, S>(xqt, C, xdt, xst, nb, gs[gi], kb, yo, ldy, k0 > 0); break;
                            default: q8_micro<1, S>(xqt, C, xdt, xst, nb, gs[gi], kb, yo, ldy, k0 > 0); break;
                        }
                        if (!full)
                            for (int64_t i = 0; i < m; i++) memcpy(y + (t + i) * OC + og, ytail + 8 * i, (size_t)(OC - og) * 4);
                    }
                }
            }
        }
        free(mem);
    }
    free(xq);
    free(xd);
}
#endif

template <class W>
void forward(const void *wv, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads) {
    const uint8_t *w = (const uint8_t *)wv;
#if defined(__AVX2__)
    if constexpr (W::Q8) {
        if (T <= 3) forward_q8<W>(w, x, y, T, C, OC, threads);
        else forward_q8_tiles<W>(w, x, y, T, C, OC, threads);
        return;
    }
#endif
    // f32 weights and many rows (training): the packed GEMM (gemm_f32.h), B = W^T.
    if constexpr (std::is_same_v<W, F32W>) {
        if (T >= GEMM_MIN_T &&
            gemm_f32::gemm({x, C, 1}, {(const float *)wv, 1, C}, y, OC, T, OC, C, false,
                           threads_for(T * C * OC, 1 << 18, threads)))
            return;
    }
    // Few rows of x: panels of 4 rows of W (they stay in L1) streamed once; many: 64-row panels in
    // L2, each reused by every row of x in the tile.
    const int64_t NB = T <= 3 ? 4 : 64;
    const int64_t n_o = (OC + NB - 1) / NB;
    int64_t n_t = 1;  // split T too when OC gives too few tiles to keep every thread busy
    if (T > 3 && n_o < 2 * threads) n_t = std::min<int64_t>((T + 47) / 48, (2 * threads + n_o - 1) / n_o);
    const int64_t TB = (T + n_t - 1) / n_t;
    const int64_t tiles = n_o * n_t;
    const int nt = (int)std::min<int64_t>(threads_for(T * C * OC, 1 << 18, threads), tiles);
    const int64_t ldp = std::min(KC, round8(C));
#pragma omp parallel num_threads(nt)
    {
        float *panel = alloc_floats(NB * ldp);
#pragma omp for schedule(static)
        for (int64_t tile = 0; tile < tiles; tile++) {
            const int64_t o0 = (tile % n_o) * NB, t0 = (tile / n_o) * TB;
            if (!panel) abort();  // under 300 KB: failing here means the process is already lost
            if (t0 < T) fwd_tile<W>(w, x, y, C, OC, o0, std::min(NB, OC - o0), t0, std::min(TB, T - t0), panel);
        }
        free(panel);
    }
}

// The fused products (see fused_q8): the int8 path for decoding, else each product on its own and then
// the element-wise step, in the order the separate kernels would run them.
template <class W>
void forward_fused(const void *const *wv, float *const *y, const int64_t *oc, const float *x, int64_t T, int64_t C,
                   int mode, int threads) {
#if defined(__AVX2__)
    if constexpr (W::Q8) {
        if (T <= 3) {
            fused_q8<W>((const uint8_t *const *)wv, y, oc, x, T, C, mode, threads);
            return;
        }
    }
#endif
    if (mode == FUSED_STORE) {
        for (int m = 0; m < 3; m++)
            if (oc[m] > 0) forward<W>(wv[m], x, y[m], T, C, oc[m], threads);
        return;
    }
    const int np = mode == FUSED_SWIGLU ? 2 : 3;
    for (int m = 0; m < (mode == FUSED_SWIGLU ? 1 : 3); m++) {
        if (oc[m] == 0) continue;
        const int64_t n = T * oc[m];
        float *a = alloc_floats(n), *b = mode == FUSED_SWIGLU ? alloc_floats(n) : nullptr;
        if (!a || (np == 2 && !b)) abort();  // activations-sized: failing here means the process is already lost
        forward<W>(wv[m], x, a, T, C, oc[m], threads);
        if (mode == FUSED_SWIGLU) forward<W>(wv[1], x, b, T, C, oc[m], threads);
        float *out = y[m];
#pragma omp parallel for num_threads(threads_for(n, 1 << 15, threads)) schedule(static)
        for (int64_t i0 = 0; i0 < n; i0 += 4096) {
            const int64_t i1 = std::min<int64_t>(n, i0 + 4096);
            if (mode == FUSED_SWIGLU) {
                cortado_simd::silu_mul_span(out + i0, a + i0, b + i0, i1 - i0);
            } else {
                for (int64_t i = i0; i < i1; i++) out[i] += a[i];
            }
        }
        free(a);
        free(b);
    }
}

#if defined(__AVX2__)
// out[i][0 .. width) += acc[i] for the M rows of a micro-tile of V vectors (a masked tail).
template <int M, int V>
inline void add_tile(const __m256 (&acc)[M][V], float *out, int64_t ld, int64_t width) {
    CORTADO_UNROLL for (int i = 0; i < M; i++) {
        float *d = out + i * ld;
        CORTADO_UNROLL for (int v = 0; v < V; v++) {
            const int64_t c = 8 * v;
            if (c + 8 <= width) {
                _mm256_storeu_ps(d + c, _mm256_add_ps(_mm256_loadu_ps(d + c), acc[i][v]));
            } else if (c < width) {
                const __m256i mask = tail_mask(width - c);
                _mm256_maskstore_ps(d + c, mask, _mm256_add_ps(_mm256_maskload_ps(d + c, mask), acc[i][v]));
            }
        }
    }
}
#endif

// ---- backward micro-kernel: dx[i][c] += sum_o dy[i][o] * p[o][c], i < M, c < 8 * V (width w) --

template <int M, int V>
void bwd_micro(const float *dy, int64_t ldy, const float *p, int64_t ldp, int64_t on, float *dx, int64_t ldx, int64_t width) {
#if defined(__AVX2__)
    __m256 acc[M][V];
    CORTADO_UNROLL for (int i = 0; i < M; i++)
        CORTADO_UNROLL for (int v = 0; v < V; v++) acc[i][v] = _mm256_setzero_ps();
    for (int64_t o = 0; o < on; o++) {
        __m256 wv[V];
        CORTADO_UNROLL for (int v = 0; v < V; v++) wv[v] = _mm256_load_ps(p + o * ldp + 8 * v);
        CORTADO_UNROLL for (int i = 0; i < M; i++) {
            const __m256 d = _mm256_broadcast_ss(dy + i * ldy + o);
            CORTADO_UNROLL for (int v = 0; v < V; v++) acc[i][v] = _mm256_fmadd_ps(d, wv[v], acc[i][v]);
        }
    }
    add_tile<M, V>(acc, dx, ldx, width);
#else
    float acc[M][8 * V] = {};
    for (int64_t o = 0; o < on; o++)
        CORTADO_UNROLL for (int i = 0; i < M; i++) {
            const float d = dy[i * ldy + o];
            for (int c = 0; c < 8 * V; c++) acc[i][c] += d * p[o * ldp + c];
        }
    CORTADO_UNROLL for (int i = 0; i < M; i++)
        for (int64_t c = 0; c < width; c++) dx[i * ldx + c] += acc[i][c];
#endif
}

using BwdMicro = void (*)(const float *, int64_t, const float *, int64_t, int64_t, float *, int64_t, int64_t);
const BwdMicro BWD_MICRO[4][3] = {
    {bwd_micro<1, 1>, bwd_micro<1, 2>, bwd_micro<1, 3>},
    {bwd_micro<2, 1>, bwd_micro<2, 2>, bwd_micro<2, 3>},
    {bwd_micro<3, 1>, bwd_micro<3, 2>, bwd_micro<3, 3>},
    {bwd_micro<4, 1>, bwd_micro<4, 2>, bwd_micro<4, 3>},
};

constexpr int64_t OB = 128;  // rows of W per backward panel

// dx[t0..t0+tn, c0..c0+cn] = sum over all rows o of dy[t, o] * W[o, c]; panel holds OB x round8(cn).
template <class W>
void bwd_tile(const uint8_t *w, const float *dy, float *dx, int64_t C, int64_t OC, int64_t c0, int64_t cn,
              int64_t t0, int64_t tn, float *panel) {
    const int64_t ldp = round8(cn);
    for (int64_t t = t0; t < t0 + tn; t++) memset(dx + t * C + c0, 0, (size_t)cn * sizeof(float));
    for (int64_t o0 = 0; o0 < OC; o0 += OB) {
        const int64_t on = std::min(OB, OC - o0);
        decode_panel<W>(w, C, o0, on, c0, cn, panel, ldp);
        for (int64_t t = t0; t < t0 + tn; t += 4) {
            const int m = (int)std::min<int64_t>(4, t0 + tn - t);
            for (int64_t c = 0; c < cn; c += 24) {
                const int64_t width = std::min<int64_t>(24, cn - c);
                BWD_MICRO[m - 1][(width + 7) / 8 - 1](dy + t * OC + o0, OC, panel + c, ldp, on, dx + t * C + c0 + c, C, width);
            }
        }
    }
}

template <class W>
void backward_x(const void *wv, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int threads) {
    const uint8_t *w = (const uint8_t *)wv;
    if constexpr (std::is_same_v<W, F32W>) {  // f32 weights, many rows: the packed GEMM, B = W
        if (T >= GEMM_MIN_T &&
            gemm_f32::gemm({dy, OC, 1}, {(const float *)wv, C, 1}, dx, C, T, C, OC, false,
                           threads_for(T * C * OC, 1 << 18, threads)))
            return;
    }
    // Column spans: multiples of 256 (whole blocks of every type), wide enough that few rows of dy
    // still read long runs of each row of W, narrow enough for the panel to stay in L2.
    int64_t CB = T <= 3 ? 1024 : 256;
    if (CB > C) CB = C;
    const int64_t n_c = (C + CB - 1) / CB;
    int64_t n_t = 1;
    if (T > 4 && n_c < 2 * threads) n_t = std::min<int64_t>((T + 31) / 32, (2 * threads + n_c - 1) / n_c);
    const int64_t TB = (T + n_t - 1) / n_t;
    const int64_t tiles = n_c * n_t;
    const int nt = (int)std::min<int64_t>(threads_for(T * C * OC, 1 << 18, threads), tiles);
#pragma omp parallel num_threads(nt)
    {
        float *panel = alloc_floats(OB * round8(CB));
#pragma omp for schedule(static)
        for (int64_t tile = 0; tile < tiles; tile++) {
            const int64_t c0 = (tile % n_c) * CB, t0 = (tile / n_c) * TB;
            if (!panel) abort();
            if (t0 < T) bwd_tile<W>(w, dy, dx, C, OC, c0, std::min(CB, C - c0), t0, std::min(TB, T - t0), panel);
        }
        free(panel);
    }
}

// ---- weight gradient micro-kernel: dw[i][c] += sum_t dy[t][i] * x[t][c], i < M, c < width <= 8 * V --
// The outer-product form again: broadcast dy, stream rows of x (contiguous along C). Each element of
// dw sums over t in ascending order inside one call, so results never depend on the thread count.

template <int M, int V>
void bww_micro(const float *dy, int64_t ldy, const float *x, int64_t ldx, int64_t tn, float *dw, int64_t ldw, int64_t width) {
#if defined(__AVX2__)
    __m256 acc[M][V];
    CORTADO_UNROLL for (int i = 0; i < M; i++)
        CORTADO_UNROLL for (int v = 0; v < V; v++) acc[i][v] = _mm256_setzero_ps();
    if (width == 8 * V) {
        for (int64_t t = 0; t < tn; t++) {
            __m256 xv[V];
            CORTADO_UNROLL for (int v = 0; v < V; v++) xv[v] = _mm256_loadu_ps(x + t * ldx + 8 * v);
            CORTADO_UNROLL for (int i = 0; i < M; i++) {
                const __m256 d = _mm256_broadcast_ss(dy + t * ldy + i);
                CORTADO_UNROLL for (int v = 0; v < V; v++) acc[i][v] = _mm256_fmadd_ps(d, xv[v], acc[i][v]);
            }
        }
    } else {  // the last columns of x: masked loads, x must not be read past its row
        __m256i mask[V];
        CORTADO_UNROLL for (int v = 0; v < V; v++) {
            const int64_t r = width - 8 * v;
            mask[v] = r >= 8 ? _mm256_set1_epi32(-1) : r <= 0 ? _mm256_setzero_si256() : tail_mask(r);
        }
        for (int64_t t = 0; t < tn; t++) {
            __m256 xv[V];
            CORTADO_UNROLL for (int v = 0; v < V; v++) xv[v] = _mm256_maskload_ps(x + t * ldx + 8 * v, mask[v]);
            CORTADO_UNROLL for (int i = 0; i < M; i++) {
                const __m256 d = _mm256_broadcast_ss(dy + t * ldy + i);
                CORTADO_UNROLL for (int v = 0; v < V; v++) acc[i][v] = _mm256_fmadd_ps(d, xv[v], acc[i][v]);
            }
        }
    }
    add_tile<M, V>(acc, dw, ldw, width);
#else
    float acc[M][8 * V] = {};
    for (int64_t t = 0; t < tn; t++)
        CORTADO_UNROLL for (int i = 0; i < M; i++) {
            const float d = dy[t * ldy + i];
            for (int64_t c = 0; c < width; c++) acc[i][c] += d * x[t * ldx + c];
        }
    CORTADO_UNROLL for (int i = 0; i < M; i++)
        for (int64_t c = 0; c < width; c++) dw[i * ldw + c] += acc[i][c];
#endif
}

using BwwMicro = void (*)(const float *, int64_t, const float *, int64_t, int64_t, float *, int64_t, int64_t);
const BwwMicro BWW_MICRO[4][3] = {
    {bww_micro<1, 1>, bww_micro<1, 2>, bww_micro<1, 3>},
    {bww_micro<2, 1>, bww_micro<2, 2>, bww_micro<2, 3>},
    {bww_micro<3, 1>, bww_micro<3, 2>, bww_micro<3, 3>},
    {bww_micro<4, 1>, bww_micro<4, 2>, bww_micro<4, 3>},
};

// Work items of the weight gradient: OBW rows of dw x CBW columns, all of T in chunks of TBW
// (fixed sizes: the sums, chunk by chunk, are the same for any thread count).
constexpr int64_t OBW = 32, CBW = 192, TBW = 256;

}  // namespace

// dw (OC, C) += dy (T, OC)^T . x (T, C) — the weight gradient of y = x . W^T (f32 weights,
// LoRA adapters, full training). Parallel over tiles of dw: each element has one owner.
void matmul_backward_w_f32(float *dw, const float *dy, const float *x, int64_t T, int64_t C, int64_t OC, int threads) {
    // Training-sized products: the packed GEMM (gemm_f32.h), A = dy^T, B = x.
    if (T >= GEMM_MIN_T && gemm_f32::gemm({dy, 1, OC}, {x, C, 1}, dw, C, OC, C, T, true, threads_for(T * C * OC, 1 << 18, threads)))
        return;
    const int64_t n_o = (OC + OBW - 1) / OBW, n_c = (C + CBW - 1) / CBW, tiles = n_o * n_c;
    const int nt = (int)std::min<int64_t>(threads_for(T * C * OC, 1 << 18, threads), tiles);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int64_t tile = 0; tile < tiles; tile++) {
        const int64_t o0 = (tile / n_c) * OBW, c0 = (tile % n_c) * CBW;
        const int64_t o1 = std::min(OC, o0 + OBW), c1 = std::min(C, c0 + CBW);
        for (int64_t t0 = 0; t0 < T; t0 += TBW) {
            const int64_t tn = std::min(TBW, T - t0);
            for (int64_t c = c0; c < c1; c += 24) {
                const int64_t width = std::min<int64_t>(24, c1 - c);
                for (int64_t o = o0; o < o1; o += 4) {
                    const int m = (int)std::min<int64_t>(4, o1 - o);
                    BWW_MICRO[m - 1][(width + 7) / 8 - 1](dy + t0 * OC + o, OC, x + t0 * C + c, C, tn, dw + o * C + c, C, width);
                }
            }
        }
    }
}

namespace {

// The types with int8 dots (AVX2): the block decoder for T > 3 and backward, the dot for T <= 3.
#if defined(__AVX2__)
template <int QKV, int BYTES, void (*BLOCK)(const uint8_t *, float *), float (*DOT)(const uint8_t *, int64_t, const XQ8 &), class SPAN8,
          void (*DOT4)(const uint8_t *const *, int64_t, const XQ8 &, float *) = dot4_each<DOT>>
struct BlockQ8W : BlockW<QKV, BYTES, BLOCK>, Q8Dot<DOT, DOT4> {
    static constexpr bool Q8 = true;
    using Span8 = SPAN8;
};
using Q8_0W = BlockQ8W<32, 34, block_q8_0, dot_q8_0, Q8_0Span>;
using Q4_0W = BlockQ8W<32, 18, block_q4_0, dot_q4_0, Q45Span<18, false, false>, dot4_q4_0>;
using Q4_KW = BlockQ8W<256, 144, block_q4_k, dot_q4_k, QKSpan<false>>;
using Q6_KW = BlockQ8W<256, 210, block_q6_k, dot_q6_k, Q6_KSpan>;
using Q4_1W = BlockQ8W<32, 20, block_q4_1, dot_q4_1, Q45Span<20, true, false>>;
using Q5_0W = BlockQ8W<32, 22, block_q5_0, dot_q5_0, Q45Span<22, false, true>>;
using Q5_1W = BlockQ8W<32, 24, block_q5_1, dot_q5_1, Q45Span<24, true, true>>;
using Q5_KW = BlockQ8W<256, 176, block_q5_k, dot_q5_k, QKSpan<true>>;
struct NF4W : NF4Span, Q8Dot<dot_nf4> {
    static constexpr bool Q8 = true;
    using Span8 = NF4Q8Span;
};
#else
using Q8_0W = BlockW<32, 34, block_q8_0>;
using Q4_0W = BlockW<32, 18, block_q4_0>;
using Q4_KW = BlockW<256, 144, block_q4_k>;
using Q6_KW = BlockW<256, 210, block_q6_k>;
using Q4_1W = BlockW<32, 20, block_q4_1>;
using Q5_0W = BlockW<32, 22, block_q5_0>;
using Q5_1W = BlockW<32, 24, block_q5_1>;
using Q5_KW = BlockW<256, 176, block_q5_k>;
using NF4W = NF4Span;
#endif

}  // namespace

// One token's products (decode_step.cpp), team-shared as fused_q8 shares them: each thread quantizes x
// itself. Where a type has no int8 dots (the portable build), one thread runs the fused kernel while the
// others wait (correct, not fast: the engine does not take this path there).
template <class W>
void products_team(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1,
                   int64_t oc2, const float *x, int64_t C, int mode) {
    const void *w[3] = {w0, w1, w2};
    float *y[3] = {y0, y1, y2};
    const int64_t oc[3] = {oc0, oc1, oc2};
#if defined(__AVX2__)
    if constexpr (W::Q8) {
        const XQ8Rows xq(x, 1, C);
        fused_q8_groups<W>((const uint8_t *const *)w, y, oc, xq, 1, C, mode);
        return;
    }
#endif
#pragma omp master
    forward_fused<W>(w, y, oc, x, 1, C, mode, 1);
#pragma omp barrier
}

// The float types' products for one token, team-shared (see stored_products_team): the 4-row tiles of
// forward's T <= 3 path over the threads, each tile's arithmetic as forward_fused's (a tile's result
// added into y, or SwiGLU'd, element by element), so the bits are the same.
template <class W>
void float_products_team(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0,
                         int64_t oc1, int64_t oc2, const float *x, int64_t C, int mode) {
    const uint8_t *w[3] = {(const uint8_t *)w0, (const uint8_t *)w1, (const uint8_t *)w2};
    float *y[3] = {y0, y1, y2};
    const int64_t oc[3] = {oc0, oc1, oc2};
    const int nm = mode == FUSED_SWIGLU ? 1 : 3;
    int64_t tiles[3] = {0, 0, 0}, total = 0, most = 0;
    for (int m = 0; m < nm; m++) {
        total += tiles[m] = (oc[m] + 3) / 4;
        most = std::max(most, oc[m]);
    }
    const int64_t ldp = std::min(KC, round8(C));
    float *panel = alloc_floats(4 * ldp);
    float *a = mode == FUSED_STORE ? nullptr : alloc_floats(most), *b = mode == FUSED_SWIGLU ? alloc_floats(most) : nullptr;
    if (!panel || (mode != FUSED_STORE && !a) || (mode == FUSED_SWIGLU && !b)) abort();  // a few KB: the process is already lost
#pragma omp for schedule(static)
    for (int64_t ti = 0; ti < total; ti++) {
        int m = 0;
        int64_t t = ti;
        while (t >= tiles[m]) t -= tiles[m++];
        const int64_t o0 = 4 * t, on = std::min<int64_t>(4, oc[m] - o0);
        if (mode == FUSED_STORE) {
            fwd_tile<W>(w[m], x, y[m], C, oc[m], o0, on, 0, 1, panel);
        } else if (mode == FUSED_ADD) {
            fwd_tile<W>(w[m], x, a, C, oc[m], o0, on, 0, 1, panel);
            for (int64_t i = o0; i < o0 + on; i++) y[m][i] += a[i];
        } else {
            fwd_tile<W>(w[0], x, a, C, oc[0], o0, on, 0, 1, panel);
            fwd_tile<W>(w[1], x, b, C, oc[0], o0, on, 0, 1, panel);
            cortado_simd::silu_mul_span(y[0] + o0, a + o0, b + o0, on);
        }
    }
    free(panel);
    free(a);
    free(b);
}

void stored_products_team(int ggml_type, const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2,
                          int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t C, int mode) {
    switch (ggml_type) {
        case 0: float_products_team<F32W>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        case 1: float_products_team<F16W>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        case 30: float_products_team<BF16W>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        case 2: products_team<Q4_0W>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        case 3: products_team<Q4_1W>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        case 6: products_team<Q5_0W>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        case 7: products_team<Q5_1W>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        case 8: products_team<Q8_0W>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        case 12: products_team<Q4_KW>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        case 13: products_team<Q5_KW>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;
        default: products_team<Q6_KW>(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode); break;  // 14 (Java checks)
    }
}

#define CORTADO_MATMUL(name, W)                                                                              \
    void matmul_forward_##name(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC,     \
                               int threads) {                                                                \
        forward<W>(w, x, y, T, C, OC, threads);                                                              \
    }                                                                                                        \
    void matmul_backward_x_##name(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, \
                                  int threads) {                                                             \
        backward_x<W>(w, dy, dx, T, C, OC, threads);                                                         \
    }                                                                                                        \
    void matmul_forward_fused_##name(const void *w0, const void *w1, const void *w2, float *y0, float *y1,     \
                                     float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x,       \
                                     int64_t T, int64_t C, int mode, int threads) {                          \
        const void *w[3] = {w0, w1, w2};                                                                     \
        float *y[3] = {y0, y1, y2};                                                                          \
        const int64_t oc[3] = {oc0, oc1, oc2};                                                               \
        forward_fused<W>(w, y, oc, x, T, C, mode, threads);                                                  \
    }

CORTADO_MATMUL(f32, F32W)
CORTADO_MATMUL(f16, F16W)
CORTADO_MATMUL(bf16, BF16W)
CORTADO_MATMUL(q8_0, Q8_0W)
CORTADO_MATMUL(q4_0, Q4_0W)
CORTADO_MATMUL(q4_1, Q4_1W)
CORTADO_MATMUL(q5_0, Q5_0W)
CORTADO_MATMUL(q5_1, Q5_1W)
CORTADO_MATMUL(q4_k, Q4_KW)
CORTADO_MATMUL(q5_k, Q5_KW)
CORTADO_MATMUL(q6_k, Q6_KW)
CORTADO_MATMUL(nf4, NF4W)

}  // namespace CORTADO_NS
