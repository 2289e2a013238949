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

}  // namespace CORTADO_NS
