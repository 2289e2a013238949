// Linear layers on the GPU: y (T, OC) = x (T, C) . W^T with W (OC, C) in any weight format
// (weights.cuh decodes it on the fly; the same floats as the CPU's dequantize kernels).
//
//  T <= 8 (decoding): memory-bound. One warp per output row; lane l decodes 8-element chunks
//    l, l + 32, ... of the row and multiplies each with the T rows of x (float FMAs), then the warp
//    sums. W is read once, which is all that matters at this size.
//  T > 8 (prefill): compute-bound. A 64 x 64 output tile per block of 4 warps; per 32-column step
//    the block stages x and the decoded W (as floats) in shared memory, and each warp multiplies
//    its 32 x 32 sub-tile on tensor cores with WMMA in TF32 (m16n16k8, float accumulation).
//    TF32 keeps float's range (f16 tiles could overflow on large activations) and is exact for
//    f16 and bf16 weights; x and the quantized weights' decoded floats lose their low 13 mantissa
//    bits, a normalised error about 1e-3. No double buffering or async copies yet: plain and
//    readable first (see the harness's TFLOP/s line for what it reaches).
#include <mma.h>

#include "common.cuh"
#include "weights.cuh"

using namespace nvcuda;

namespace {

constexpr int MATVEC_WARPS = 4;

template <class W, int MAXT>
__global__ void __launch_bounds__(32 * MATVEC_WARPS)
matvec_kernel(const uint8_t *__restrict__ w, const float *__restrict__ x, float *__restrict__ y, int T, int64_t C,
              int64_t OC) {
    const int lane = threadIdx.x & 31;
    const int64_t o = (int64_t)blockIdx.x * MATVEC_WARPS + threadIdx.x / 32;
    if (o >= OC) return;  // the whole warp leaves together
    const uint8_t *row = w + o * W::row_bytes(C);
    float acc[MAXT];
#pragma unroll
    for (int t = 0; t < MAXT; t++) acc[t] = 0.0f;
    const int64_t C8 = C / 8 * 8;
    for (int64_t k0 = 8 * lane; k0 < C8; k0 += 8 * 32) {
        float v[8];
        W::decode8(row, C, k0, v);
#pragma unroll
        for (int t = 0; t < MAXT; t++) {
            if (t < T) {
                const float *xt = x + t * C + k0;
                float s = 0.0f;
#pragma unroll
                for (int i = 0; i < 8; i++) s = fmaf(v[i], xt[i], s);
                acc[t] += s;
            }
        }
    }
    if constexpr (W::QK == 1) {  // plain float types allow any C
        for (int64_t k = C8 + lane; k < C; k += 32) {
            const float wv = W::one(row, k);
#pragma unroll
            for (int t = 0; t < MAXT; t++)
                if (t < T) acc[t] = fmaf(wv, x[t * C + k], acc[t]);
        }
    }
#pragma unroll
    for (int t = 0; t < MAXT; t++) {
        if (t < T) {
            const float s = warp_sum(acc[t]);
            if (lane == 0) y[t * OC + o] = s;
        }
    }
}

constexpr int BM = 64, BN = 64, BK = 32, LDS = BK + 4;  // +4 floats: rows 16 bytes apart in banks

template <class W>
__global__ void __launch_bounds__(128)
matmul_tc_kernel(const uint8_t *__restrict__ w, const float *__restrict__ x, float *__restrict__ y, int64_t T,
                 int64_t C, int64_t OC) {
    __shared__ __align__(32) float xs[BM * LDS];  // x tile, row-major (t, k)
    __shared__ __align__(32) float ws[BN * LDS];  // W tile, row-major (o, k) = Wᵀ column-major
    const int64_t t0 = (int64_t)blockIdx.y * BM, o0 = (int64_t)blockIdx.x * BN;
    const int warp = threadIdx.x / 32, lane = threadIdx.x & 31;
    const int wm = warp / 2, wn = warp % 2;  // this warp's 32 x 32 sub-tile
    const int64_t rb = W::row_bytes(C);

    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.0f);

    for (int64_t k0 = 0; k0 < C; k0 += BK) {
        for (int i = threadIdx.x; i < BM * BK; i += blockDim.x) {
            const int r = i / BK, c = i % BK;
            const int64_t t = t0 + r, k = k0 + c;
            xs[r * LDS + c] = (t < T && k < C) ? x[t * C + k] : 0.0f;
        }
        for (int i = threadIdx.x; i < BN * BK / 8; i += blockDim.x) {
            const int r = i / (BK / 8), c = (i % (BK / 8)) * 8;
            const int64_t o = o0 + r, k = k0 + c;
            float v[8];
            if (o < OC && k + 8 <= C) {
                W::decode8(w + o * rb, C, k, v);
            } else {
                // past the last row, or the tail of a plain float row (block types have C % 32 == 0)
#pragma unroll
                for (int e = 0; e < 8; e++) {
                    v[e] = 0.0f;
                    if constexpr (W::QK == 1) {
                        if (o < OC && k + e < C) v[e] = W::one(w + o * rb, k + e);
                    }
                }
            }
#pragma unroll
            for (int e = 0; e < 8; e++) ws[r * LDS + c + e] = v[e];
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < BK; kk += 8) {
            wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> a[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major> b[2];
#pragma unroll
            for (int i = 0; i < 2; i++) {
                wmma::load_matrix_sync(a[i], xs + (wm * 32 + i * 16) * LDS + kk, LDS);
#pragma unroll
                for (int e = 0; e < a[i].num_elements; e++) a[i].x[e] = wmma::__float_to_tf32(a[i].x[e]);
                wmma::load_matrix_sync(b[i], ws + (wn * 32 + i * 16) * LDS + kk, LDS);
#pragma unroll
                for (int e = 0; e < b[i].num_elements; e++) b[i].x[e] = wmma::__float_to_tf32(b[i].x[e]);
            }
#pragma unroll
            for (int i = 0; i < 2; i++)
#pragma unroll
                for (int j = 0; j < 2; j++) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
    // Stage each 16 x 16 result in shared memory (xs is free now) and write what lies inside y.
    float *stage = xs + warp * 256;
#pragma unroll
    for (int i = 0; i < 2; i++) {
#pragma unroll
        for (int j = 0; j < 2; j++) {
            wmma::store_matrix_sync(stage, acc[i][j], 16, wmma::mem_row_major);
            __syncwarp();
            for (int e = lane; e < 256; e += 32) {
                const int64_t t = t0 + wm * 32 + i * 16 + e / 16, o = o0 + wn * 32 + j * 16 + e % 16;
                if (t < T && o < OC) y[t * OC + o] = stage[e];
            }
            __syncwarp();
        }
    }
}

template <class W>
int matmul_forward(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, void *stream) {
    if (T <= 0 || OC <= 0) return 0;
    cudaStream_t s = as_stream(stream);
    if (C == 0) return cortado_cuda_remember(cudaMemsetAsync(y, 0, (size_t)(T * OC) * sizeof(float), s));
    const uint8_t *wb = (const uint8_t *)w;
    if (T == 1) {
        matvec_kernel<W, 1><<<blocks_for(OC, MATVEC_WARPS), 32 * MATVEC_WARPS, 0, s>>>(wb, x, y, 1, C, OC);
    } else if (T <= 8) {
        matvec_kernel<W, 8><<<blocks_for(OC, MATVEC_WARPS), 32 * MATVEC_WARPS, 0, s>>>(wb, x, y, (int)T, C, OC);
    } else {
        dim3 grid(blocks_for(OC, BN), blocks_for(T, BM));
        matmul_tc_kernel<W><<<grid, 128, 0, s>>>(wb, x, y, T, C, OC);
    }
    return launched();
}

}  // namespace

#define CORTADO_MATMUL(name, W)                                                                                     \
    extern "C" int cuda_matmul_forward_##name(const void *w, const float *x, float *y, int64_t T, int64_t C,       \
                                              int64_t OC, void *stream) {                                           \
        return matmul_forward<W>(w, x, y, T, C, OC, stream);                                                        \
    }

CORTADO_MATMUL(f32, F32W)
CORTADO_MATMUL(f16, F16W)
CORTADO_MATMUL(bf16, BF16W)
CORTADO_MATMUL(q8_0, Q8_0W)
CORTADO_MATMUL(q4_0, Q4_0W)
CORTADO_MATMUL(q4_k, Q4_KW)
CORTADO_MATMUL(q6_k, Q6_KW)
CORTADO_MATMUL(nf4, NF4W)
