// Cortado's C ABI for the CPU kernels: one header, plain C types only.
//
// Rules (see docs/architecture.md):
//  - raw pointers, sizes as int64_t, a thread count; no C++ types cross this line;
//  - Java checks every size and bound before calling: kernels assume valid arguments;
//  - names are <op>_<direction>_<type> (matmul_forward_q8_0) or <op>_<type> for
//    direction-less conversions (dequantize_q8_0).
#ifndef CORTADO_KERNELS_H
#define CORTADO_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- CPU features and the instruction set the kernels use ----------------------------------
// ISA ids: 0 = portable baseline (x86-64), 1 = AVX2 + FMA + F16C.
#define CORTADO_ISA_GENERIC 0
#define CORTADO_ISA_AVX2 1

// The best ISA this CPU supports.
int cortado_cpu_best_isa(void);
// The ISA the kernels use now (starts as the best one).
int cortado_cpu_isa(void);
// Forces an ISA (for tests and benchmarks); returns the ISA in force afterwards, which is
// the requested one unless the CPU lacks it.
int cortado_cpu_set_isa(int isa);
// Number of hardware threads the OS reports.
int cortado_cpu_threads(void);

// ---- memory-mapped files (read-only, any size) --------------------------------------------
// Maps the whole file read-only. Returns the address, or NULL with *err set to errno.
// *size receives the file size. A zero-length file maps to NULL with *err = 0.
void *cortado_mmap_file(const char *path, int64_t *size, int *err);
// Unmaps a mapping made by cortado_mmap_file. Returns 0 or errno.
int cortado_munmap(void *addr, int64_t size);
// Advises the kernel that the range will be read soon (best effort).
void cortado_madvise_willneed(void *addr, int64_t size);
// Drops the whole pages inside [addr, addr + size) of a read-only file mapping from this process's
// resident memory (they are read back from the file if touched again; best effort).
void cortado_madvise_dontneed(void *addr, int64_t size);
// Anonymous zeroed memory for weights that live as long as a model: `size` bytes at a 2 MiB boundary,
// with transparent huge pages asked for (MADV_HUGEPAGE). Returns NULL with *err = errno on failure.
void *cortado_alloc_huge(int64_t size, int *err);
// Frees memory from cortado_alloc_huge (the same size). Returns 0 or errno.
int cortado_free_huge(void *addr, int64_t size);

// ---- conversions ---------------------------------------------------------------------------
// y[i] = (float) x[i] for n halves (IEEE binary16) / bfloat16s.
void convert_f16_to_f32(const uint16_t *x, float *y, int64_t n, int threads);
void convert_bf16_to_f32(const uint16_t *x, float *y, int64_t n, int threads);
// Round to nearest even; NaN stays NaN.
void convert_f32_to_f16(const float *x, uint16_t *y, int64_t n, int threads);
void convert_f32_to_bf16(const float *x, uint16_t *y, int64_t n, int threads);

// ---- dequantization of GGML block formats ---------------------------------------------------
// y (n) = x (n / block_size blocks, GGML layout) as f32, float-for-float equal to ggml's
// dequantize_row_<type>. n is a multiple of the block size (32 for q*_0/q*_1, 256 for *_k).
// (f16 and bf16 are convert_f16_to_f32 / convert_bf16_to_f32 above.)
void dequantize_q8_0(const void *x, float *y, int64_t n, int threads);
void dequantize_q4_0(const void *x, float *y, int64_t n, int threads);
void dequantize_q4_1(const void *x, float *y, int64_t n, int threads);
void dequantize_q5_0(const void *x, float *y, int64_t n, int threads);
void dequantize_q5_1(const void *x, float *y, int64_t n, int threads);
void dequantize_q4_k(const void *x, float *y, int64_t n, int threads);
void dequantize_q5_k(const void *x, float *y, int64_t n, int threads);
void dequantize_q6_k(const void *x, float *y, int64_t n, int threads);

// ---- transformer ops (norm.cpp, rope.cpp, attention.cpp, activation.cpp) ------------------
// Shapes row-major, outermost first. Outputs may alias inputs where noted.
// out (T, C) = x (T, C) / sqrt(mean(x²) + eps) * w (C); rstd (T) = 1/rms per row (nullable). out may be x.
void rmsnorm_forward_f32(float *out, float *rstd, const float *x, const float *w, int64_t T, int64_t C, float eps,
                         int threads);
// out (T, C) = (x - mean) * rstd * w (C) + b (C); b, mean (T), rstd (T) nullable. out may be x.
void layernorm_forward_f32(float *out, float *mean, float *rstd, const float *x, const float *w, const float *b,
                           int64_t T, int64_t C, float eps, int threads);
// x (T, H, D) rotated in place; token t at position pos[t]; pair i turns by
// pos * freq_scale * theta^(-2i/D) / freq_factors[i] (freq_factors (D/2) nullable).
// neox 0: pairs (2i, 2i+1) (GGUF llama); 1: pairs (i, i + D/2) (rotate_half, qwen2). D even, <= 1024.
void rope_forward_f32(float *x, const int32_t *pos, int64_t T, int64_t H, int64_t D, float theta, float freq_scale,
                      const float *freq_factors, int neox, int threads);
// Causal GQA: out (T, H, D) = softmax(q kᵀ / sqrt(D)) v for T new tokens at positions
// pos .. pos+T-1 (token t sees keys [0, pos+t]); q (T, H, D); k, v one layer's cache laid out
// (ctx, KVH, D) holding positions [0, pos+T); H a multiple of KVH; lse (T, H) nullable.
void attention_forward_f32(float *out, float *lse, const float *q, const float *k, const float *v, int64_t T,
                           int64_t pos, int64_t H, int64_t KVH, int64_t D, int threads);
// The f16 KV cache: one layer's kc, vc laid out (KVH, ctx, D) f16 — head-major. Keys after RoPE.
// k, v (T, KVH, D) f32 -> kc, vc at positions pos .. pos+T-1 (round to nearest even). pos + T <= ctx.
void kv_store_f16(uint16_t *kc, uint16_t *vc, const float *k, const float *v, int64_t T, int64_t pos, int64_t KVH,
                  int64_t D, int64_t ctx, int threads);
// The keys at positions [start, start+count) of every KV head rotated in place by rope_forward_f32's
// rotation for positions pos (count) (a context shift: -discard each), through f32, back to f16.
void kv_rope_f16(uint16_t *kc, const int32_t *pos, int64_t start, int64_t count, int64_t KVH, int64_t D, int64_t ctx,
                 float theta, float freq_scale, const float *freq_factors, int neox, int threads);
// attention_forward_f32's causal GQA (no lse) against the f16 cache kc, vc (KVH, ctx, D) holding
// positions [0, pos+T). Decoding (T <= 3) splits keys into fixed chunks: bit-identical for any thread count.
void attention_forward_f16kv(float *out, const float *q, const uint16_t *kc, const uint16_t *vc, int64_t T,
                             int64_t pos, int64_t H, int64_t KVH, int64_t D, int64_t ctx, int threads);
// out (n) = silu(gate) * up; out may be gate or up.
void swiglu_forward_f32(float *out, const float *gate, const float *up, int64_t n, int threads);
// out (T, V) = row-wise softmax of x (T, V); out may be x.
void softmax_forward_f32(float *out, const float *x, int64_t T, int64_t V, int threads);
// out (n) = a + b; out may be a or b.
void add_f32(float *out, const float *a, const float *b, int64_t n, int threads);
// y (T, C) += b (C).
void bias_add_forward_f32(float *y, const float *b, int64_t T, int64_t C, int threads);
// ---- end transformer ops ----
// ---- matmul ----------------------------------------------------------------------------------
// NF4 (Cortado's own layout, not a GGUF type; see cpu/blocks.h and dev.cortado.tensor.NF4Codec):
// y (rows * C) = `rows` rows of C elements each (C a multiple of 64), each row
// 8 * ceil(C / 16384) + 33 * C / 64 bytes.
void dequantize_nf4(const void *x, float *y, int64_t rows, int64_t C, int threads);

// Linear layers with the weight W (OC, C) stored row-major in a block type: row o of W is the
// row_bytes(C) bytes at o * row_bytes(C) (n / block_size * block_bytes for the GGML types, the
// layout above for nf4); C is a multiple of the type's block size (any C for f32/f16/bf16).
//   matmul_forward_<type>:    y (T, OC) = x (T, C) . W^T           (y overwritten)
//   matmul_backward_x_<type>: dx (T, C) = dy (T, OC) . W           (dx overwritten)
// Float accumulation of the exactly dequantized weights (every backward; every forward on f32 /
// f16 / bf16 and in the portable build), except matmul_forward on AVX2 with the block types (q8_0,
// q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k, nf4), for every T: it quantizes x to 8 bits per block
// of 32 and multiplies in int8 (llama.cpp's scheme; error within x's rounding, about 1e-2 of the
// output's scale; NF4 also rounds its 16 levels to round(127 * level), about 2e-2 in all).
// (A fine-tune over a frozen quantized base gets this forward; its backward stays exact.)
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
// Decoding products that share x, fused (the engine's per-token step): up to three matrices W_i (oc_i, C) of
// one type, unused ones null with oc_i = 0, in one parallel region with x quantized once (T <= 3 on AVX2;
// otherwise the products run one by one). mode 0: y_i (T, oc_i) = x . W_i^T; mode 1: y_i += x . W_i^T (a
// residual add); mode 2: y0 (T, oc0) = silu(x . W_0^T) * (x . W_1^T) (SwiGLU; oc1 = oc0, y1 unused).
// Bit-identical to the separate matmul_forward_<type> calls followed by add_f32 / swiglu_forward_f32.
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

// ---- weights repacked for the engine (matmul_x8.cpp): "x8" layouts, 8 rows per vector ------------
// q4_0x8: a Q4_0 matrix W (OC, C), OC a multiple of 8, C of 32: group g (rows 8g..8g+7) is C/32 units of
// 144 bytes, each the 8 rows' fp16 scales then 4 x 32 bytes whose bytes 4r..4r+3 of vector j are row r's
// Q4_0 bytes 4j..4j+3. Same size as Q4_0.
// q4_kx8: a Q4_K matrix, OC a multiple of 8: group g is C/256 units of 1184 bytes (8 fp16 d, 8 fp16 dmin,
// the 6-bit scales and mins as bytes [sub-block][row], then per pair of sub-blocks 8 x 32 bytes of
// nibbles as above). 1184/1152 of Q4_K's size.
void repack_q4_0x8(const void *w, void *out, int64_t C, int64_t OC, int threads);
void repack_q4_kx8(const void *w, void *out, int64_t C, int64_t OC, int threads);
// q8_0x8: a Q8_0 matrix, OC a multiple of 8: group g is C/32 units of 272 bytes (8 fp16 d, then 8 x 32
// bytes whose bytes 4r..4r+3 of vector j are row r's weights 4j..4j+3). Same size as Q8_0.
void repack_q8_0x8(const void *w, void *out, int64_t C, int64_t OC, int threads);
// q5_0x8: a Q5_0 matrix, OC a multiple of 8: group g is C/32 units of 176 bytes (8 fp16 d, 8 x 4 bytes of
// fifth bits permuted per step, then the nibbles as q4_0x8). Same size as Q5_0.
void repack_q5_0x8(const void *w, void *out, int64_t C, int64_t OC, int threads);
// y (T, OC) = x (T, C) . W^T with W packed (x quantized to 8 bits per block on AVX2, as matmul_forward_q4_0).
void matmul_forward_q4_0x8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_q4_kx8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_q8_0x8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_q5_0x8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
// matmul_forward_fused_<type> for packed weights (any T; oc_i multiples of 8).
void matmul_forward_fused_q4_0x8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_q4_kx8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_q8_0x8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
void matmul_forward_fused_q5_0x8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
// q6_kx8: a Q6_K matrix, OC a multiple of 8: group g is C/256 units of 1680 bytes (8 fp16 d; the int8 sub-scales
// [16][8 rows]; per block of 32 columns 4 x 32 bytes of nibbles (vector j: steps j and j + 4, rows at 4r) and
// 2 x 32 bytes of the 2-bit highs (vector h: steps 4h .. 4h + 3 at bits 2i)). Same size as Q6_K.
void repack_q6_kx8(const void *w, void *out, int64_t C, int64_t OC, int threads);
void matmul_forward_q6_kx8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int threads);
void matmul_forward_fused_q6_kx8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int threads);
// ---- one decode step, every layer in one parallel region (decode_step.cpp) -------------------------
// The engine's per-token path when the KV cache is f16 and every product is packed (x8) or of a stored block type: one
// token at position pos (< ctx) through L layers of a Llama-family decoder, x (dim) updated in place:
//   x += attention(rope(Wq.n(x) + bq), rope(Wk.n(x) + bk), Wv.n(x) + bv) . Wo^T;  x += Wd.(silu(Wg.n(x)) * Wu.n(x))
// (n = RMSNorm with eps), the new key and value stored at pos first. Bit-identical to running
// rmsnorm_forward_f32, matmul_forward_fused_<layout>, bias_add_forward_f32, rope_forward_f32, kv_store_f16 and
// attention_forward_f16kv one by one. Per layer l:
//   w[7l ..]:       wq (H*D, dim), wk, wv (KVH*D, dim), wo (dim, H*D), gate, up (F, dim), down (dim, F)
//   layouts[6l ..]: the layouts of wq, wk, wv, wo, (gate, up), down: 0 q4_0x8, 1 q4_kx8, 2 q8_0x8, 3 q5_0x8, 4 q6_kx8, or
//                   100 + the GGML type id of a stored f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q4_k, q5_k
//                   or q6_k matrix (the block types: AVX2 shares their int8 dots, the portable build
//                   multiplies them on one thread)
//   vec[5l ..]:     attn_norm (dim), ffn_norm (dim), bq (H*D), bk, bv (KVH*D); biases null when absent
//   cache[2l ..]:   kc, vc (KVH, ctx, D) f16
// RoPE as rope_forward_f32 (theta, freq_scale, freq_factors (D/2, nullable), neox). D even, at most 1024.
void decode_layers_forward_f16kv(float *x, int64_t L, const void *const *w, const int32_t *layouts,
                              const float *const *vec, uint16_t *const *cache, int64_t dim, int64_t H, int64_t KVH,
                              int64_t D, int64_t F, int64_t ctx, int64_t pos, float eps, float theta,
                              float freq_scale, const float *freq_factors, int neox, int threads);

// ---- training: backward twins, loss, optimizer (matmul.cpp, norm.cpp, rope.cpp, attention.cpp,
// activation.cpp, loss.cpp, optim.cpp) ---------------------------------------------------------
// Deterministic: every output element has one owner thread and a fixed order of summation, so
// results are bit-identical run to run and for any thread count. "+=" kernels accumulate.
// dw (OC, C) += dy (T, OC)ᵀ · x (T, C): the weight gradient of y = x · Wᵀ (f32).
void matmul_backward_w_f32(float *dw, const float *dy, const float *x, int64_t T, int64_t C, int64_t OC, int threads);
// out = x * rstd * w: dx (T, C) += rstd·(w∘dout) − x·rstd³/C·Σ(w∘dout∘x); dw (C) += Σ_t dout∘x·rstd
// (dw nullable); dout, x (T, C); w (C); rstd (T) as rmsnorm_forward_f32 saved it. dx aliases nothing.
void rmsnorm_backward_f32(float *dx, float *dw, const float *dout, const float *x, const float *w, const float *rstd,
                          int64_t T, int64_t C, int threads);
// d (T, H, D) in place: the gradient through rope_forward_f32 with the same arguments (the inverse rotation).
void rope_backward_f32(float *d, const int32_t *pos, int64_t T, int64_t H, int64_t D, float theta, float freq_scale,
                       const float *freq_factors, int neox, int threads);
// Causal GQA attention backward for T tokens at positions 0..T-1 (token t sees keys s <= t):
// q, out, dout (T, H, D); k, v (T, KVH, D); lse (T, H) the natural log-sum-exp of the scaled scores
// q·k/sqrt(D) as attention_forward_f32 (pos 0) wrote it. Writes (overwrites) dq (T, H, D), dk, dv (T, KVH, D).
void attention_backward_f32(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                            const float *v, const float *out, const float *lse, int64_t T, int64_t H, int64_t KVH,
                            int64_t D, int threads);
// out = silu(gate) * up: dgate (n) = dout·up·s·(1 + gate·(1 − s)), s = sigmoid(gate); dup (n) = dout·silu(gate)
// (both overwritten; dgate may be dout or gate, dup may be dout or up).
void swiglu_backward_f32(float *dgate, float *dup, const float *dout, const float *gate, const float *up, int64_t n,
                         int threads);
// db (C) += Σ_t dy (T, C).
void bias_backward_f32(float *db, const float *dy, int64_t T, int64_t C, int threads);
// dtable (V, C): row tokens[t] += dout (T, C) row t; tokens (T) in [0, V).
void embedding_backward_f32(float *dtable, const float *dout, const int32_t *tokens, int64_t T, int64_t C, int64_t V,
                            int threads);
// Softmax cross-entropy fused with its backward: losses (T) = mask[t] > 0 ? logsumexp(logits[t]) − logits[t][targets[t]]
// : 0; logits (T, V) := (softmax − onehot(target)) · mask[t] · grad_scale (rows with mask <= 0: 0). mask (T)
// nullable (all ones); targets (T) in [0, V) where mask > 0. Returns Σ losses (double).
double cross_entropy_forward_backward_f32(float *losses, float *logits, const int32_t *targets, const float *mask,
                                          int64_t T, int64_t V, float grad_scale, int threads);
// AdamW on n floats, step >= 1: m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²;
// p −= lr·(m/(1−b1^step) / (sqrt(v/(1−b2^step)) + eps) + wd·p).
void adamw_f32(float *param, const float *grad, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
               float eps, float weight_decay, int64_t step, int threads);
// Σ x (n)² in double.
double sum_squares_f32(const float *x, int64_t n, int threads);
// x (n) *= s.
void scale_f32(float *x, float s, int64_t n, int threads);
// x (n) = 0.
void zero_f32(float *x, int64_t n, int threads);
// ---- end training ----

#ifdef __cplusplus
}
#endif

#endif
