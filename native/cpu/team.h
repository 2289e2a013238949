// Pieces of the kernels that decode_step.cpp runs inside its own parallel region (one region for a
// whole decode step instead of one per kernel). The kernels themselves are built from the same pieces,
// so the step is bit-identical to calling them one by one.
//  - "_team" functions contain orphaned `omp for` loops: every thread of the enclosing parallel region
//    must call them (the loop's end is a barrier); outside any region one thread does all the work.
//  - the row helpers are single-threaded and noinline: one compiled copy serves both callers, so the
//    compiler cannot round them differently in the two places.
// No include guard on purpose: it is included once per CORTADO_NS, like isa.h.
#include <stdint.h>

namespace CORTADO_NS {

// norm.cpp: out (C) = x (C) / sqrt(mean(x^2) + eps) * w (C), one row of rmsnorm_forward_f32; returns 1/rms.
float rmsnorm_row_f32(float *out, const float *x, const float *w, int64_t C, float eps);

// rope.cpp: the cosines and sines (D / 2 each) of position pos, as rope_forward_f32 computes them.
void rope_angles_f32(float *cs, float *sn, int64_t pos, int64_t D, float theta, float freq_scale,
                     const float *freq_factors);
// rope.cpp: one head v (D) rotated in place by rope_angles_f32's cs, sn (neox: halves, else adjacent pairs).
void rope_rotate_f32(float *v, const float *cs, const float *sn, int64_t D, int neox);

// attention_kv16.cpp: KV head g's new key and value (D each) stored at position pos of kc, vc (KVH, ctx, D) f16.
void kv_store_head_f16(uint16_t *kc, uint16_t *vc, const float *k, const float *v, int64_t g, int64_t pos, int64_t D,
                       int64_t ctx);
// attention_kv16.cpp: attention_forward_f16kv for one token (T = 1) at position pos, team-shared; scratch:
// attention_decode_scratch_f16kv floats shared by the team.
int64_t attention_decode_scratch_f16kv(int64_t pos, int64_t H, int64_t KVH, int64_t D);
void attention_decode_f16kv_team(float *out, const float *q, const uint16_t *kc, const uint16_t *vc, int64_t pos,
                                 int64_t H, int64_t KVH, int64_t D, int64_t ctx, float *scratch);

// matmul.cpp: matmul_forward_fused_<type> for one token, team-shared, for the stored types by GGML id:
// 0 f32, 1 f16, 30 bf16 (4-row float tiles, shared on both builds); 2 q4_0, 3 q4_1, 6 q5_0, 7 q5_1, 8 q8_0,
// 12 q4_k, 13 q5_k, 14 q6_k (AVX2: the int8 dots, shared; the portable build: one thread runs the whole
// product, and the engine keeps its kernel-by-kernel path there).
void stored_products_team(int ggml_type, const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2,
                      int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t C, int mode);

// matmul_x8.cpp: matmul_forward_fused_<layout> for one token (T = 1), team-shared; each thread
// quantizes x (C) itself. layout: 0 q4_0x8, 1 q4_kx8, 2 q8_0x8, 3 q5_0x8, 4 q6_kx8 (PackedWeights.Layout's order).
void x8_products_team(int layout, const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2,
                      int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t C, int mode);

}  // namespace CORTADO_NS
