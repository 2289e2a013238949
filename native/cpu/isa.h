// Declarations of the kernels that are compiled once per instruction set. dispatch.cpp
// includes this header twice, once for each namespace, and exports the C ABI of
// include/cortado/kernels.h by choosing between them at run time.
// No include guard on purpose: it is included once per CORTADO_NS.
#include <stdint.h>

namespace CORTADO_NS {

void convert_f16_to_f32(const uint16_t *x, float *y, int64_t n, int threads);
void convert_bf16_to_f32(const uint16_t *x, float *y, int64_t n, int threads);
void convert_f32_to_f16(const float *x, uint16_t *y, int64_t n, int threads);
void convert_f32_to_bf16(const float *x, uint16_t *y, int64_t n, int threads);

void dequantize_q8_0(const void *x, float *y, int64_t n, int threads);
void dequantize_q4_0(const void *x, float *y, int64_t n, int threads);
void dequantize_q4_1(const void *x, float *y, int64_t n, int threads);
void dequantize_q5_0(const void *x, float *y, int64_t n, int threads);
void dequantize_q5_1(const void *x, float *y, int64_t n, int threads);
void dequantize_q4_k(const void *x, float *y, int64_t n, int threads);
void dequantize_q5_k(const void *x, float *y, int64_t n, int threads);
void dequantize_q6_k(const void *x, float *y, int64_t n, int threads);

// ---- transformer ops (norm.cpp, rope.cpp, attention.cpp, activation.cpp) ----
void rmsnorm_forward_f32(float *out, float *rstd, const float *x, const float *w, int64_t T, int64_t C, float eps,
                         int threads);
void layernorm_forward_f32(float *out, float *mean, float *rstd, const float *x, const float *w, const float *b,
                           int64_t T, int64_t C, float eps, int threads);
void rope_forward_f32(float *x, const int32_t *pos, int64_t T, int64_t H, int64_t D, float theta, float freq_scale,
                      const float *freq_factors, int neox, int threads);
void attention_forward_f32(float *out, float *lse, const float *q, const float *k, const float *v, int64_t T,
                           int64_t pos, int64_t H, int64_t KVH, int64_t D, int threads);
void kv_store_f16(uint16_t *kc, uint16_t *vc, const float *k, const float *v, int64_t T, int64_t pos, int64_t KVH,
                  int64_t D, int64_t ctx, int threads);
void kv_rope_f16(uint16_t *kc, const int32_t *pos, int64_t start, int64_t count, int64_t KVH, int64_t D, int64_t ctx,
                 float theta, float freq_scale, const float *freq_factors, int neox, int threads);
void attention_forward_f16kv(float *out, const float *q, const uint16_t *kc, const uint16_t *vc, int64_t T,
                             int64_t pos, int64_t H, int64_t KVH, int64_t D, int64_t ctx, int threads);
void swiglu_forward_f32(float *out, const float *gate, const float *up, int64_t n, int threads);
void softmax_forward_f32(float *out, const float *x, int64_t T, int64_t V, int threads);
void add_f32(float *out, const float *a, const float *b, int64_t n, int threads);
void bias_add_forward_f32(float *y, const float *b, int64_t T, int64_t C, int threads);
// ---- end transformer ops ----
// ---- matmul (matmul.cpp) and NF4 dequantization (quant.cpp) ----
void dequantize_nf4(const void *x, float *y, int64_t rows, int64_t C, int threads);
void matmul_forward_f32(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_backward_x_f32(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_f16(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_backward_x_f16(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_bf16(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_backward_x_bf16(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_q8_0(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_backward_x_q8_0(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_q4_0(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_backward_x_q4_0(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_q4_1(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_backward_x_q4_1(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_q5_0(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_backward_x_q5_0(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_q5_1(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_backward_x_q5_1(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_q4_k(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_backward_x_q4_k(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_q5_k(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_backward_x_q5_k(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_q6_k(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_backward_x_q6_k(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_nf4(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_backward_x_nf4(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_fused_f32(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_f16(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_bf16(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_q8_0(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_q4_0(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_q4_1(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_q5_0(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_q5_1(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_q4_k(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_q5_k(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_q6_k(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_nf4(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void repack_q4_0x8(const void *w, void *out, int64_t C, int64_t OC, int threads);
void matmul_forward_q4_0x8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_fused_q4_0x8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void repack_q4_kx8(const void *w, void *out, int64_t C, int64_t OC, int threads);
void matmul_forward_q4_kx8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_fused_q4_kx8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void repack_q8_0x8(const void *w, void *out, int64_t C, int64_t OC, int threads);
void matmul_forward_q8_0x8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_fused_q8_0x8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void repack_q5_0x8(const void *w, void *out, int64_t C, int64_t OC, int threads);
void matmul_forward_q5_0x8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_fused_q5_0x8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void repack_q6_kx8(const void *w, void *out, int64_t C, int64_t OC, int threads);
void matmul_forward_q6_kx8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_fused_q6_kx8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void decode_layers_forward_f16kv(float *x, int64_t L, const void *const *w, const int32_t *layouts,
                              const float *const *vec, uint16_t *const *cache, int64_t dim, int64_t H, int64_t KVH,
                              int64_t D, int64_t F, int64_t ctx, int64_t pos, float eps, float theta,
                              float freq_scale, const float *freq_factors, int neox, int threads);

// ---- training (backward twins beside their forwards; loss.cpp, optim.cpp) ----
void matmul_backward_w_f32(float *dw, const float *dy, const float *x, int64_t T, int64_t C, int64_t OC, int threads);
void rmsnorm_backward_f32(float *dx, float *dw, const float *dout, const float *x, const float *w, const float *rstd,
                          int64_t T, int64_t C, int threads);
void rope_backward_f32(float *d, const int32_t *pos, int64_t T, int64_t H, int64_t D, float theta, float freq_scale,
                       const float *freq_factors, int neox, int threads);
void attention_backward_f32(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                            const float *v, const float *out, const float *lse, int64_t T, int64_t H, int64_t KVH,
                            int64_t D, int threads);
void swiglu_backward_f32(float *dgate, float *dup, const float *dout, const float *gate, const float *up, int64_t n,
                         int threads);
void bias_backward_f32(float *db, const float *dy, int64_t T, int64_t C, int threads);
void embedding_backward_f32(float *dtable, const float *dout, const int32_t *tokens, int64_t T, int64_t C, int64_t V,
                            int threads);
double cross_entropy_forward_backward_f32(float *losses, float *logits, const int32_t *targets, const float *mask,
                                          int64_t T, int64_t V, float grad_scale, int threads);
void adamw_f32(float *param, const float *grad, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
               float eps, float weight_decay, int64_t step, int threads);
double sum_squares_f32(const float *x, int64_t n, int threads);
void scale_f32(float *x, float s, int64_t n, int threads);
void zero_f32(float *x, int64_t n, int threads);
// ---- end training ----

}  // namespace CORTADO_NS
