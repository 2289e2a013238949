// Cortado's C ABI for the CUDA backend. Built from native/cuda/*.cu by nvcc when it is
// present (with the static CUDA runtime folded in), otherwise from native/cuda/stub.cpp,
// which has the same functions and reports that CUDA is not compiled in.
//
// Rules (as kernels.h): plain C types; sizes int64_t; Java checks sizes and bounds first.
// Pointers named as tensors (w, x, y, out, ...) are DEVICE pointers; `stream` is a cudaStream_t
// passed as void * (NULL = the legacy default stream). Functions returning int give 0 on success
// or a CUDA error code (-1 from the stub); cortado_cuda_last_error() then says what failed.
// Kernel launches are asynchronous: an error inside a kernel shows up at the next synchronize.
#ifndef CORTADO_CUDA_H
#define CORTADO_CUDA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- devices ---------------------------------------------------------------------------------
// 1 when this library was compiled by nvcc, 0 for the stub.
int cortado_cuda_compiled(void);
// Number of usable devices; 0 when there is no driver or no GPU (never fails).
int cortado_cuda_device_count(void);
// Writes a one-line description of the last error or of the device into buf (NUL-terminated).
// Returns 0 on success, a CUDA error code (or -1 for the stub) otherwise.
int cortado_cuda_device_name(int device, char *buf, int64_t len);
// The error string of the most recent failing call, or "" when none.
const char *cortado_cuda_last_error(void);
// Makes `device` current for the calling thread.
int cortado_cuda_set_device(int device);
// *free_bytes and *total_bytes of the current device.
int cortado_cuda_mem_info(int64_t *free_bytes, int64_t *total_bytes);
// Waits for all work on the current device.
int cortado_cuda_synchronize(void);

// ---- memory ------------------------------------------------------------------------------------
// Device memory (256-byte aligned); NULL on failure (last_error says why). free(NULL) is a no-op.
void *cortado_cuda_malloc(int64_t bytes);
int cortado_cuda_free(void *p);
// Copies on `stream` (asynchronous with respect to the host only for pinned host memory).
int cortado_cuda_memcpy_h2d(void *dst, const void *src, int64_t bytes, void *stream);
int cortado_cuda_memcpy_d2h(void *dst, const void *src, int64_t bytes, void *stream);
int cortado_cuda_memcpy_d2d(void *dst, const void *src, int64_t bytes, void *stream);
int cortado_cuda_memset(void *dst, int value, int64_t bytes, void *stream);

// ---- streams and events ------------------------------------------------------------------------
// NULL on failure.
void *cortado_cuda_stream_create(void);
int cortado_cuda_stream_destroy(void *stream);
int cortado_cuda_stream_synchronize(void *stream);
void *cortado_cuda_event_create(void);
int cortado_cuda_event_destroy(void *event);
int cortado_cuda_event_record(void *event, void *stream);
int cortado_cuda_event_synchronize(void *event);
// *ms = milliseconds between two recorded (and completed) events.
int cortado_cuda_event_elapsed_ms(void *start, void *end, float *ms);

// ---- kernels: the CPU ones of kernels.h on device pointers ------------------------------------
// Same shapes and semantics as the CPU kernel of the same name without the cuda_ prefix.
// Float results agree with the CPU's float path within accumulation order, except matmul_forward
// with T > 8 (the tensor-core path), which rounds x and the dequantized weights to TF32
// (10-bit mantissa; exact for f16 and bf16 weights): normalised error about 1e-3.
int cuda_matmul_forward_f32(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, void *stream);
int cuda_matmul_forward_f16(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, void *stream);
int cuda_matmul_forward_bf16(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, void *stream);
int cuda_matmul_forward_q8_0(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, void *stream);
int cuda_matmul_forward_q4_0(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, void *stream);
int cuda_matmul_forward_q4_k(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, void *stream);
int cuda_matmul_forward_q6_k(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, void *stream);
int cuda_matmul_forward_nf4(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, void *stream);

// rstd (T) nullable; out may be x.
int cuda_rmsnorm_forward_f32(float *out, float *rstd, const float *x, const float *w, int64_t T, int64_t C, float eps,
                             void *stream);
// b, mean (T), rstd (T) nullable; out may be x.
int cuda_layernorm_forward_f32(float *out, float *mean, float *rstd, const float *x, const float *w, const float *b,
                               int64_t T, int64_t C, float eps, void *stream);
// pos (T) and freq_factors (D/2, nullable) are device pointers too.
int cuda_rope_forward_f32(float *x, const int32_t *pos, int64_t T, int64_t H, int64_t D, float theta, float freq_scale,
                          const float *freq_factors, int neox, void *stream);
// Causal GQA against the cache (ctx, KVH, D); lse (T, H) nullable. D <= 256 (larger: an error).
int cuda_attention_forward_f32(float *out, float *lse, const float *q, const float *k, const float *v, int64_t T,
                               int64_t pos, int64_t H, int64_t KVH, int64_t D, void *stream);
int cuda_swiglu_forward_f32(float *out, const float *gate, const float *up, int64_t n, void *stream);
int cuda_softmax_forward_f32(float *out, const float *x, int64_t T, int64_t V, void *stream);
int cuda_add_f32(float *out, const float *a, const float *b, int64_t n, void *stream);
int cuda_bias_add_forward_f32(float *y, const float *b, int64_t T, int64_t C, void *stream);

#ifdef __cplusplus
}
#endif

#endif
