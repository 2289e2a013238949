// Dequantization of GGML block formats to f32: q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k,
// and of Cortado's NF4 rows. Compiled once per ISA (see Makefile). The block decoders live in
// blocks.h (matmul.cpp decodes weights with them too). Every path gives exactly ggml's
// dequantize_row_* floats: the same float operations in the same order (a product, then a separate
// add). The products of an fp16 scale, a 6-bit sub-scale and a <= 5-bit level are exact in float, so
// an FMA would not change them either; Q6_K's (d * sc) * q can round, and keeps ggml's order.
#include "common.h"
#include "blocks.h"
#include "isa.h"

namespace CORTADO_NS {

using namespace cortado;

namespace {

template <int QK, int BYTES, void (*BLOCK)(const uint8_t *, float *)>
void dequantize_blocks(const void *x, float *y, int64_t n, int threads) {
    const uint8_t *src = (const uint8_t *)x;
    const int64_t nb = n / QK;
#pragma omp parallel for num_threads(threads_for(n, 1 << 16, threads)) schedule(static)
    for (int64_t i = 0; i < nb; i++) BLOCK(src + i * BYTES, y + i * QK);
}

}  // namespace

// y (n) = dequantized x (n / block blocks); n is a multiple of the block size.
void dequantize_q8_0(const void *x, float *y, int64_t n, int threads) { dequantize_blocks<32, 34, block_q8_0>(x, y, n, threads); }
void dequantize_q4_0(const void *x, float *y, int64_t n, int threads) { dequantize_blocks<32, 18, block_q4_0>(x, y, n, threads); }
void dequantize_q4_1(const void *x, float *y, int64_t n, int threads) { dequantize_blocks<32, 20, block_q4_1>(x, y, n, threads); }
void dequantize_q5_0(const void *x, float *y, int64_t n, int threads) { dequantize_blocks<32, 22, block_q5_0>(x, y, n, threads); }
void dequantize_q5_1(const void *x, float *y, int64_t n, int threads) { dequantize_blocks<32, 24, block_q5_1>(x, y, n, threads); }
void dequantize_q4_k(const void *x, float *y, int64_t n, int threads) { dequantize_blocks<256, 144, block_q4_k>(x, y, n, threads); }
void dequantize_q5_k(const void *x, float *y, int64_t n, int threads) { dequantize_blocks<256, 176, block_q5_k>(x, y, n, threads); }
void dequantize_q6_k(const void *x, float *y, int64_t n, int threads) { dequantize_blocks<256, 210, block_q6_k>(x, y, n, threads); }


// y (rows * C) = dequantized NF4 rows (Cortado's layout, see blocks.h); C is a multiple of 64.
void dequantize_nf4(const void *x, float *y, int64_t rows, int64_t C, int threads) {
    const uint8_t *src = (const uint8_t *)x;
    const int64_t rb = nf4_row_bytes(C);
#pragma omp parallel for num_threads(threads_for(rows * C, 1 << 16, threads)) schedule(static)
    for (int64_t r = 0; r < rows; r++) nf4_row_span(src + r * rb, C, 0, C, y + r * C);
}

}  // namespace CORTADO_NS
