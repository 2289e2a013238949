// A packed, register-blocked f32 GEMM for the training-sized products (T = batch x sequence rows):
//   C (M, N) (+)= A (M, K) . B (K, N)
// with A and B given by strides, so that one routine serves the three products of a linear layer:
//   forward    y  (T, OC) = x (T, C) . W^T      A = x,    B = W^T (strides swapped)
//   backward_x dx (T, C)  = dy (T, OC) . W     A = dy,   B = W
//   backward_w dW (OC, C) += dy^T . x          A = dy^T, B = x
// BLIS style: B is packed once per call into strips of 16 columns (k-major, zero-padded), A per
// work item into panels of 6 rows (k-major), and a 6 x 16 micro-kernel keeps its 12 accumulators
// in registers: per k, 2 vector loads of B, 6 broadcasts of A and 12 FMAs. A strip of B (KC x 16
// floats, 16 KB) stays in L1 while the item's A panels stream from L2.
//
// Determinism: each work item (a tile of C) is owned by one thread, and every element sums k in
// ascending order (blocks of KC in order, each block in registers, then added to C) whatever tile
// it falls in: results are bit-identical for any thread count.
//
// Included by matmul.cpp; compiled once per ISA like it (CORTADO_NS).
#ifndef CORTADO_GEMM_F32_H
#define CORTADO_GEMM_F32_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace CORTADO_NS {
namespace {  // each ISA build keeps its own copy
namespace gemm_f32 {

constexpr int64_t MR = 6, NR = 16;  // micro-tile
constexpr int64_t KC = 256;         // depth per block: a B strip is KC x 16 floats (16 KB, L1)
constexpr int64_t MC_MAX = 96;      // rows of A per work item: its packed A (96 x 256 floats) sits in L2
constexpr int64_t NC = 256;         // columns of C per work item (at most)

// A matrix given by element strides: element (i, j) at p[i * rs + j * cs].
struct Strided {
    const float *p;
    int64_t rs, cs;
};

inline float *alloc(int64_t n) {
    void *p = nullptr;
    if (posix_memalign(&p, 64, (size_t)std::max<int64_t>(n, 16) * sizeof(float)) != 0) return nullptr;
    return (float *)p;
}

// B (K, N) -> strips: strip s holds columns [16 s, 16 s + 16) as K rows of 16 floats (zero past N).
inline void pack_b_strip(const Strided &b, int64_t K, int64_t N, int64_t s, float *dst) {
    const int64_t n0 = s * NR, nn = std::min(NR, N - n0);
    if (b.cs == 1) {  // rows contiguous along n: copy runs of 16
        for (int64_t k = 0; k < K; k++) {
            float *d = dst + k * NR;
            memcpy(d, b.p + k * b.rs + n0, (size_t)nn * sizeof(float));
            for (int64_t j = nn; j < NR; j++) d[j] = 0.0f;
        }
    } else {  // columns contiguous along k (B = W^T): walk each column once, scatter into the strip
        for (int64_t j = 0; j < NR; j++) {
            if (j < nn) {
                const float *col = b.p + (n0 + j) * b.cs;
                for (int64_t k = 0; k < K; k++) dst[k * NR + j] = col[k * b.rs];
            } else {
                for (int64_t k = 0; k < K; k++) dst[k * NR + j] = 0.0f;
            }
        }
    }
}

// Rows [m0, m0 + mn) x depth [k0, k0 + kn) of A -> panels of 6 rows, each kn x 6 floats (zero past mn).
inline void pack_a(const Strided &a, int64_t m0, int64_t mn, int64_t k0, int64_t kn, float *dst) {
    for (int64_t i0 = 0; i0 < mn; i0 += MR) {
        float *panel = dst + i0 * kn;
        const int64_t rows = std::min(MR, mn - i0);
        if (a.rs == 1 && rows == MR) {  // A = dy^T: the 6 rows are contiguous for each k
            for (int64_t k = 0; k < kn; k++) memcpy(panel + k * MR, a.p + (k0 + k) * a.cs + m0 + i0, MR * sizeof(float));
        } else if (a.rs == 1) {
            for (int64_t k = 0; k < kn; k++) {
                const float *src = a.p + (k0 + k) * a.cs + m0 + i0;
                float *d = panel + k * MR;
                for (int64_t i = 0; i < rows; i++) d[i] = src[i];
                for (int64_t i = rows; i < MR; i++) d[i] = 0.0f;
            }
        } else {  // rows contiguous along k: read each row once
            for (int64_t i = 0; i < MR; i++) {
                if (i < rows) {
                    const float *row = a.p + (m0 + i0 + i) * a.rs + k0 * a.cs;
                    for (int64_t k = 0; k < kn; k++) panel[k * MR + i] = row[k * a.cs];
                } else {
                    for (int64_t k = 0; k < kn; k++) panel[k * MR + i] = 0.0f;
                }
            }
        }
    }
}

// acc (6 x 16) = sum over k < kn of a[k][i] * b[k][j]; then c (+)= acc on the first rows x cols.
inline void micro(const float *a, const float *b, int64_t kn, float *c, int64_t ldc, int64_t rows, int64_t cols, bool add) {
#if defined(__AVX2__) && defined(__FMA__)
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (int64_t k = 0; k < kn; k++) {
        const __m256 b0 = _mm256_load_ps(b + k * NR), b1 = _mm256_load_ps(b + k * NR + 8);
        const float *ak = a + k * MR;
        __m256 x = _mm256_broadcast_ss(ak);
        c00 = _mm256_fmadd_ps(x, b0, c00);
        c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(ak + 1);
        c10 = _mm256_fmadd_ps(x, b0, c10);
        c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(ak + 2);
        c20 = _mm256_fmadd_ps(x, b0, c20);
        c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(ak + 3);
        c30 = _mm256_fmadd_ps(x, b0, c30);
        c31 = _mm256_fmadd_ps(x, b1, c31);
        x = _mm256_broadcast_ss(ak + 4);
        c40 = _mm256_fmadd_ps(x, b0, c40);
        c41 = _mm256_fmadd_ps(x, b1, c41);
        x = _mm256_broadcast_ss(ak + 5);
        c50 = _mm256_fmadd_ps(x, b0, c50);
        c51 = _mm256_fmadd_ps(x, b1, c51);
    }
    const __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    if (rows == MR && cols == NR) {
        for (int64_t i = 0; i < MR; i++) {
            float *ci = c + i * ldc;
            if (add) {
                _mm256_storeu_ps(ci, _mm256_add_ps(_mm256_loadu_ps(ci), acc[i][0]));
                _mm256_storeu_ps(ci + 8, _mm256_add_ps(_mm256_loadu_ps(ci + 8), acc[i][1]));
            } else {
                _mm256_storeu_ps(ci, acc[i][0]);
                _mm256_storeu_ps(ci + 8, acc[i][1]);
            }
        }
        return;
    }
    alignas(32) float t[MR][NR];
    for (int64_t i = 0; i < MR; i++) {
        _mm256_store_ps(t[i], acc[i][0]);
        _mm256_store_ps(t[i] + 8, acc[i][1]);
    }
#else
    float t[MR][NR] = {};
    for (int64_t k = 0; k < kn; k++)
        for (int64_t i = 0; i < MR; i++) {
            const float x = a[k * MR + i];
            for (int64_t j = 0; j < NR; j++) t[i][j] += x * b[k * NR + j];
        }
#endif
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) c[i * ldc + j] = add ? c[i * ldc + j] + t[i][j] : t[i][j];
}

// C (M, N) with row stride ldc: C = A.B, or C += A.B when accumulate. Returns false, C untouched,
// when the packed B cannot be allocated (the callers then take their unpacked path).
inline bool gemm(const Strided &a, const Strided &b, float *c, int64_t ldc, int64_t M, int64_t N, int64_t K,
                 bool accumulate, int threads) {
    if (K <= 0) {
        if (!accumulate)
            for (int64_t i = 0; i < M; i++) memset(c + i * ldc, 0, (size_t)N * sizeof(float));
        return true;
    }
    const int64_t strips = (N + NR - 1) / NR;
    float *bp = alloc(strips * K * NR);
    if (!bp) return false;
    // Items of at most MC_MAX rows x NC columns, smaller while there are under 4 per thread (fewer
    // rows down to 24, then fewer columns down to 64), rows split evenly in multiples of MR. The
    // tiling never changes a result (each element sums its k blocks in order in any tile), so it may
    // follow the thread count; dynamic scheduling evens out a shared machine's load.
    int64_t n_m = (M + MC_MAX - 1) / MC_MAX, nc = std::min(NC, strips * NR);
    for (;;) {
        const int64_t mc = (M + n_m - 1) / n_m;
        if (n_m * ((N + nc - 1) / nc) >= 4 * (int64_t)threads) break;
        if (mc > 24) n_m++;  // rows first: a split of the columns packs the item's A again
        else if (nc > 64) nc = (nc / 2 + NR - 1) / NR * NR;
        else break;
    }
    const int64_t MC = ((M + n_m - 1) / n_m + MR - 1) / MR * MR;
    const int64_t n_n = (N + nc - 1) / nc;
    const int64_t items = n_m * n_n;
    const int nt = (int)std::max<int64_t>(1, std::min<int64_t>(threads, std::max(items, strips)));
#pragma omp parallel num_threads(nt)
    {
#pragma omp for schedule(static)
        for (int64_t s = 0; s < strips; s++) pack_b_strip(b, K, N, s, bp + s * K * NR);
        // Under 100 KB: failing here means the process is already lost (and C may be half written).
        float *ap = alloc(MC * std::min(KC, K));
        if (!ap) abort();
#pragma omp for schedule(dynamic, 1)
        for (int64_t item = 0; item < items; item++) {
            const int64_t m0 = (item / n_n) * MC, n0 = (item % n_n) * nc;
            if (m0 >= M) continue;
            const int64_t mn = std::min(MC, M - m0), nn = std::min(nc, N - n0);
            for (int64_t k0 = 0; k0 < K; k0 += KC) {
                const int64_t kn = std::min(KC, K - k0);
                const bool add = accumulate || k0 > 0;
                pack_a(a, m0, mn, k0, kn, ap);
                for (int64_t j = 0; j < nn; j += NR) {
                    const float *bs = bp + ((n0 + j) / NR) * K * NR + k0 * NR;
                    const int64_t cols = std::min(NR, nn - j);
                    for (int64_t i = 0; i < mn; i += MR)
                        micro(ap + i * kn, bs, kn, c + (m0 + i) * ldc + n0 + j, ldc, std::min(MR, mn - i), cols, add);
                }
            }
        }
        free(ap);
    }
    free(bp);
    return true;
}

}  // namespace gemm_f32
}  // namespace
}  // namespace CORTADO_NS

#endif
