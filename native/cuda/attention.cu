// Causal grouped-query attention on the GPU, flash-attention style: the scores never leave the
// chip. Semantics as the CPU's attention_forward_f32 (kernels.h): out (T, H, D) for T new tokens
// at positions pos .. pos+T-1 against one layer's cache k, v laid out (ctx, KVH, D); token t sees
// keys [0, pos + t]; lse (T, H) nullable.
//
// A block serves ROWS query rows that share one KV head (rows ordered (token, head in the group)),
// one warp per row. Keys go by tiles of 32: the block stages K and V in shared memory; in a warp,
// lane j scores key j of the tile, the warp takes the tile's max and sum (online softmax: the
// running output is rescaled by exp(old max - new max)), and each lane accumulates D/32 output
// dimensions from the staged V. D <= 256 (8 dimensions per lane).
//
// Decoding (T = 1) runs KVH blocks of H/KVH warps: enough for long prompts only on small GPUs; a
// split-key (flash-decoding) pass is the next step if profiles show it.
#include "common.cuh"

namespace {

constexpr int ROWS = 8, KT = 32, MAXD = 256;

__global__ void __launch_bounds__(32 * ROWS)
attention_kernel(float *out, float *lse, const float *q, const float *k, const float *v, int64_t T, int64_t pos,
                 int64_t H, int64_t KVH, int64_t D) {
    extern __shared__ float smem[];
    float *qs = smem;                          // (ROWS, D)
    float *ks = qs + ROWS * D;                 // (KT, D + 1): padded so lane j's row starts in bank j
    float *vs = ks + KT * (D + 1);             // (KT, D)
    const int warp = threadIdx.x / 32, lane = threadIdx.x & 31;
    const int64_t group = H / KVH, g = blockIdx.y;
    const int64_t r0 = (int64_t)blockIdx.x * ROWS, r = r0 + warp;
    const bool active = r < T * group;
    const int64_t t = r / group, h = g * group + r % group;
    const int64_t lim = pos + t + 1;  // keys this row sees
    const int64_t rlast = min(r0 + ROWS, T * group) - 1;
    const int64_t nkeys = pos + rlast / group + 1;  // keys any row of the block sees
    const float sc = 1.0f / sqrtf((float)D);
    const int64_t kvstride = KVH * D;

    if (active)
        for (int64_t d = lane; d < D; d += 32) qs[warp * D + d] = q[(t * H + h) * D + d];

    float m = -INFINITY, l = 0.0f, acc[MAXD / 32];
#pragma unroll
    for (int i = 0; i < MAXD / 32; i++) acc[i] = 0.0f;

    for (int64_t j0 = 0; j0 < nkeys; j0 += KT) {
        __syncthreads();  // the previous tile is consumed (and, the first time, qs is written)
        for (int64_t idx = threadIdx.x; idx < KT * D; idx += blockDim.x) {
            const int64_t jj = idx / D, d = idx % D, j = j0 + jj;
            const bool in = j < nkeys;
            ks[jj * (D + 1) + d] = in ? k[j * kvstride + g * D + d] : 0.0f;
            vs[jj * D + d] = in ? v[j * kvstride + g * D + d] : 0.0f;
        }
        __syncthreads();
        if (!active || j0 >= lim) continue;
        const int64_t j = j0 + lane;
        float s = -INFINITY;
        if (j < lim) {
            const float *qr = qs + warp * D, *kr = ks + lane * (D + 1);
            float dot = 0.0f;
            for (int64_t d = 0; d < D; d++) dot = fmaf(qr[d], kr[d], dot);
            s = dot * sc;
        }
        const float mnew = fmaxf(m, warp_max(s));  // finite: key j0 < lim is in the tile
        const float c = expf(m - mnew);            // 0 on the first tile (m = -inf)
        const float p = j < lim ? expf(s - mnew) : 0.0f;
        l = l * c + warp_sum(p);
        m = mnew;
        const int nvalid = (int)min((int64_t)KT, lim - j0);
#pragma unroll
        for (int i = 0; i < MAXD / 32; i++) acc[i] *= c;
        for (int jj = 0; jj < nvalid; jj++) {
            const float pj = __shfl_sync(0xffffffffu, p, jj);
            const float *vr = vs + jj * D;
#pragma unroll
            for (int i = 0; i < MAXD / 32; i++) {
                const int64_t d = lane + 32 * i;
                if (d < D) acc[i] = fmaf(pj, vr[d], acc[i]);
            }
        }
    }
    if (!active) return;
    const float inv = 1.0f / l;
    float *o = out + (t * H + h) * D;
#pragma unroll
    for (int i = 0; i < MAXD / 32; i++) {
        const int64_t d = lane + 32 * i;
        if (d < D) o[d] = acc[i] * inv;
    }
    if (lse && lane == 0) lse[t * H + h] = m + logf(l);
}

}  // namespace

extern "C" int cuda_attention_forward_f32(float *out, float *lse, const float *q, const float *k, const float *v,
                                          int64_t T, int64_t pos, int64_t H, int64_t KVH, int64_t D, void *stream) {
    if (T <= 0 || H <= 0 || D <= 0) return 0;
    if (D > MAXD || KVH <= 0 || H % KVH != 0) return cortado_cuda_remember(cudaErrorInvalidValue);
    const size_t shared = (size_t)(ROWS * D + KT * (D + 1) + KT * D) * sizeof(float);
    if (shared > 48 * 1024) {
        int rc = cortado_cuda_remember(
            cudaFuncSetAttribute(attention_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)shared));
        if (rc) return rc;
    }
    dim3 grid(blocks_for(T * (H / KVH), ROWS), (unsigned)KVH);
    attention_kernel<<<grid, 32 * ROWS, shared, as_stream(stream)>>>(out, lse, q, k, v, T, pos, H, KVH, D);
    return launched();
}
