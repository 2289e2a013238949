// Matrix products with a weight matrix in any supported storage type, llm.c style:
//   matmul_forward_<type>:    y (T, OC) = x (T, C) . W^T      W (OC, C) row-major, rows in the type's layout
//   matmul_backward_x_<type>: dx (T, C) = dy (T, OC) . W      (overwrites dx)
// Compiled once per ISA (see Makefile).
//
// One design serves every type: W is decoded on the fly, a panel of rows x a span of columns at a
// time, into a small float buffer that stays in cache (L1 for T <= 3, L2 otherwise), with exactly the
// dequantize kernels' floats (blocks.h); register-tiled FMA micro-kernels then reuse each decoded
// weight for every row of x. Activations stay float: the only error is float accumulation (no 8-bit
// activation quantization as in llama.cpp; measured, decoding into FMA keeps T = 1 at the memory
// bandwidth and T > 1 near the FMA peak, see tools/bench/matmul.sh).
//
// Forward: the dot-product form (both x and the panel are contiguous along C), a micro-tile of up to
// 3 rows of x by 4 rows of W keeps 12 vector accumulators over a span of C, then reduces them
// horizontally. Backward: the outer-product form (dx and the panel are contiguous along C), a
// micro-tile of up to 4 rows of dy by 24 columns broadcasts dy and accumulates over the rows of W.
#include <stdlib.h>

#include <algorithm>

#include "blocks.h"
#include "common.h"
#include "isa.h"

namespace CORTADO_NS {

using namespace cortado;

namespace {

// ---- weight formats: the bytes of a row, and elements [k0, k0 + n) of it as floats ----------
// k0 and n are multiples of QK, except at the end of a row for the plain float types.

struct F32W {
    static constexpr int QK = 1;
    static int64_t row_bytes(int64_t C) { return 4 * C; }
    static void span(const uint8_t *row, int64_t, int64_t k0, int64_t n, float *y) { memcpy(y, row + 4 * k0, 4 * n); }
};

struct F16W {
    static constexpr int QK = 1;
    static int64_t row_bytes(int64_t C) { return 2 * C; }
    static void span(const uint8_t *row, int64_t, int64_t k0, int64_t n, float *y) {
        const uint8_t *p = row + 2 * k0;
        int64_t i = 0;
#if defined(__AVX2__)
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p + 2 * i))));
#endif
        for (; i < n; i++) y[i] = f16_to_f32(load_u16(p + 2 * i));
    }
};

struct BF16W {
    static constexpr int QK = 1;
    static int64_t row_bytes(int64_t C) { return 2 * C; }
    static void span(const uint8_t *row, int64_t, int64_t k0, int64_t n, float *y) {
        const uint8_t *p = row + 2 * k0;
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
    static constexpr int QK = QKV;
    static int64_t row_bytes(int64_t C) { return C / QK * BYTES; }
    static void span(const uint8_t *row, int64_t, int64_t k0, int64_t n, float *y) {
        const uint8_t *p = row + k0 / QK * BYTES;
        for (int64_t b = 0; b < n / QK; b++) BLOCK(p + b * BYTES, y + b * QK);
    }
};

struct NF4W {
    static constexpr int QK = 64;
    static int64_t row_bytes(int64_t C) { return nf4_row_bytes(C); }
    static void span(const uint8_t *row, int64_t C, int64_t k0, int64_t n, float *y) { nf4_row_span(row, C, k0, n, y); }
};

// Column span per panel: a multiple of 256 (every block size divides it).
constexpr int64_t KC = 512;

// The register tiles must stay in registers: fully unroll their fixed-size loops.
#define CORTADO_UNROLL _Pragma("GCC unroll 16")

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

template <class W>
void forward(const void *wv, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads) {
    const uint8_t *w = (const uint8_t *)wv;
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
            if (panel && t0 < T) fwd_tile<W>(w, x, y, C, OC, o0, std::min(NB, OC - o0), t0, std::min(TB, T - t0), panel);
        }
        free(panel);
    }
}

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
    CORTADO_UNROLL for (int i = 0; i < M; i++) {
        float *d = dx + i * ldx;
        CORTADO_UNROLL for (int v = 0; v < V; v++) {
            const int64_t c = 8 * v;
            if (c + 8 <= width) {
                _mm256_storeu_ps(d + c, _mm256_add_ps(_mm256_loadu_ps(d + c), acc[i][v]));
            } else {
                const __m256i mask = tail_mask(width - c);
                _mm256_maskstore_ps(d + c, mask, _mm256_add_ps(_mm256_maskload_ps(d + c, mask), acc[i][v]));
            }
        }
    }
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
            if (panel && t0 < T) bwd_tile<W>(w, dy, dx, C, OC, c0, std::min(CB, C - c0), t0, std::min(TB, T - t0), panel);
        }
        free(panel);
    }
}

using Q8_0W = BlockW<32, 34, block_q8_0>;
using Q4_0W = BlockW<32, 18, block_q4_0>;
using Q4_1W = BlockW<32, 20, block_q4_1>;
using Q5_0W = BlockW<32, 22, block_q5_0>;
using Q5_1W = BlockW<32, 24, block_q5_1>;
using Q4_KW = BlockW<256, 144, block_q4_k>;
using Q5_KW = BlockW<256, 176, block_q5_k>;
using Q6_KW = BlockW<256, 210, block_q6_k>;

}  // namespace

#define CORTADO_MATMUL(name, W)                                                                              \
    void matmul_forward_##name(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC,     \
                               int threads) {                                                                \
        forward<W>(w, x, y, T, C, OC, threads);                                                              \
    }                                                                                                        \
    void matmul_backward_x_##name(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, \
                                  int threads) {                                                             \
        backward_x<W>(w, dy, dx, T, C, OC, threads);                                                         \
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
