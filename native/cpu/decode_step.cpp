// One decode step of every layer in one parallel region. Compiled once per ISA (see Makefile).
//
// Why: a small model's token is ~150 small kernels (SmolLM2-135M: a 576 x 576 product is 190 KB, a
// few microseconds), and run one by one each costs an OpenMP fork and join, a Java call, and a serial
// stretch (norms, RoPE, the KV store) while the other threads wait: together about a third of the token.
// Here the threads stay in one region for the whole step and meet at barriers between the ops; the
// norms and x's quantization are redone by every thread (fewer cycles than a barrier), and RoPE's
// angles are computed once per token instead of twice per layer. The pieces are the kernels' own
// (team.h), so the result is bit-identical to the engine's kernel-by-kernel path.
#include <math.h>

#include <memory>

#include "common.h"
#include "isa.h"
#include "simd.h"
#include "team.h"

namespace CORTADO_NS {

using namespace cortado;
using namespace cortado_simd;

namespace {
enum { FUSED_STORE = 0, FUSED_ADD = 1, FUSED_SWIGLU = 2 };  // matmul_forward_fused_<type>'s modes
constexpr int STORED = 100;  // product codes STORED + GGML type id: a stored block type (else a packed layout)

// The products sharing x of one code (kernels.h): a packed layout, or a stored block type.
inline void products(int code, const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0,
                     int64_t oc1, int64_t oc2, const float *x, int64_t C, int mode) {
    if (code >= STORED) stored_products_team(code - STORED, w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode);
    else x8_products_team(code, w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, C, mode);
}


// q, k, v = xn . Wq^T, xn . Wk^T, xn . Wv^T with codes[3] theirs: one team product per distinct code
// (a Q4_K_M file's value weights are often of another type than its query and key weights), each
// ending in a barrier.
inline void qkv_products(const int32_t *codes, const void *const *w, float *q, float *k, float *v, int64_t qd, int64_t kvd,
                         const float *xn, int64_t dim) {
    float *const y[3] = {q, k, v};
    const int64_t oc[3] = {qd, kvd, kvd};
    for (int i = 0; i < 3; i++) {
        bool before = false;  // this code's products went with an earlier one's
        for (int j = 0; j < i; j++) before |= codes[j] == codes[i];
        if (before) continue;
        const void *ws[3] = {nullptr, nullptr, nullptr};
        float *ys[3] = {nullptr, nullptr, nullptr};
        int64_t ocs[3] = {0, 0, 0};
        int n = 0;
        for (int j = i; j < 3; j++) {
            if (codes[j] != codes[i]) continue;
            ws[n] = w[j], ys[n] = y[j], ocs[n] = oc[j];
            n++;
        }
        products(codes[i], ws[0], ws[1], ws[2], ys[0], ys[1], ys[2], ocs[0], ocs[1], ocs[2], xn, dim, FUSED_STORE);
    }
}
}  // namespace

// Per layer l (arguments as kernels.h documents them):
//   xn = rmsnorm(x, attn_norm)                                   every thread, privately
//   q, k, v = xn . Wq^T, xn . Wk^T, xn . Wv^T                    groups shared; barrier (one per layout)
//   q, k (+ biases) rotated; k, v stored in the f16 cache         heads shared; barrier
//   att = attention(q, kc, vc)                                    (KV head, key chunk) items; barrier; merge; barrier
//   x += att . Wo^T                                               barrier
//   xn = rmsnorm(x, ffn_norm);  h = silu(xn . Wg^T) * (xn . Wu^T)  barrier
//   x += h . Wd^T                                                 barrier
void decode_layers_forward_f16kv(float *x, int64_t L, const void *const *w, const int32_t *layouts,
                              const float *const *vec, uint16_t *const *cache, int64_t dim, int64_t H, int64_t KVH,
                              int64_t D, int64_t F, int64_t ctx, int64_t pos, float eps, float theta,
                              float freq_scale, const float *freq_factors, int neox, int threads) {
    const int64_t qd = H * D, kvd = KVH * D;
    const int64_t ascratch = attention_decode_scratch_f16kv(pos, H, KVH, D);
    // shared: q (qd), k, v (kvd each), att (qd), h (F), attention's partials
    std::unique_ptr<float[]> mem(new float[(size_t)(2 * qd + 2 * kvd + F + ascratch)]);
    float *q = mem.get(), *k = q + qd, *v = k + kvd, *att = v + kvd, *h = att + qd, *partials = h + F;
#pragma omp parallel num_threads(threads < 1 ? 1 : threads)
    {
        // private: the normalised x, RoPE's angles at pos
        std::unique_ptr<float[]> own(new float[(size_t)(dim + D)]);
        float *xn = own.get(), *cs = xn + dim, *sn = cs + D / 2;
        rope_angles_f32(cs, sn, pos, D, theta, freq_scale, freq_factors);
        for (int64_t l = 0; l < L; l++) {
            const void *const *wl = w + 7 * l;        // wq wk wv wo gate up down
            const int32_t *lay = layouts + 6 * l;     // q, k, v, o, gate/up, down
            const float *const *vl = vec + 5 * l;     // attn_norm ffn_norm bq bk bv
            uint16_t *kc = cache[2 * l], *vc = cache[2 * l + 1];

            rmsnorm_row_f32(xn, x, vl[0], dim, eps);
            qkv_products(lay, wl, q, k, v, qd, kvd, xn, dim);
#pragma omp for schedule(static)
            for (int64_t i = 0; i < H + KVH; i++) {
                if (i < H) {
                    float *qh = q + i * D;
                    if (vl[2]) axpy(qh, 1.0f, vl[2] + i * D, D);
                    rope_rotate_f32(qh, cs, sn, D, neox);
                } else {
                    const int64_t g = i - H;
                    float *kh = k + g * D, *vh = v + g * D;
                    if (vl[3]) axpy(kh, 1.0f, vl[3] + g * D, D);
                    if (vl[4]) axpy(vh, 1.0f, vl[4] + g * D, D);
                    rope_rotate_f32(kh, cs, sn, D, neox);
                    kv_store_head_f16(kc, vc, kh, vh, g, pos, D, ctx);
                }
            }
            attention_decode_f16kv_team(att, q, kc, vc, pos, H, KVH, D, ctx, partials);
            products(lay[3], wl[3], nullptr, nullptr, x, nullptr, nullptr, dim, 0, 0, att, qd, FUSED_ADD);

            rmsnorm_row_f32(xn, x, vl[1], dim, eps);
            products(lay[4], wl[4], wl[5], nullptr, h, nullptr, nullptr, F, F, 0, xn, dim, FUSED_SWIGLU);
            products(lay[5], wl[6], nullptr, nullptr, x, nullptr, nullptr, dim, 0, 0, h, F, FUSED_ADD);
        }
    }
}

}  // namespace CORTADO_NS
