// Stand-in for the CUDA backend when nvcc is absent: the same C ABI, reporting no devices,
// so the Java side can load and ask without a CUDA toolkit on the build machine. Every other
// call fails with -1 (NULL for the allocators) and the same message.
#include "cortado/cuda.h"

#include <stdio.h>

#define NO_CUDA "Cortado was built without CUDA (no nvcc)"

extern "C" {

int cortado_cuda_compiled(void) { return 0; }
int cortado_cuda_device_count(void) { return 0; }
int cortado_cuda_device_name(int, char *buf, int64_t len) {
    if (len > 0) snprintf(buf, (size_t)len, NO_CUDA);
    return -1;
}
const char *cortado_cuda_last_error(void) { return NO_CUDA; }
int cortado_cuda_set_device(int) { return -1; }
int cortado_cuda_mem_info(int64_t *free_bytes, int64_t *total_bytes) {
    *free_bytes = 0;
    *total_bytes = 0;
    return -1;
}
int cortado_cuda_synchronize(void) { return -1; }

void *cortado_cuda_malloc(int64_t) { return nullptr; }
int cortado_cuda_free(void *p) { return p ? -1 : 0; }
int cortado_cuda_memcpy_h2d(void *, const void *, int64_t, void *) { return -1; }
int cortado_cuda_memcpy_d2h(void *, const void *, int64_t, void *) { return -1; }
int cortado_cuda_memcpy_d2d(void *, const void *, int64_t, void *) { return -1; }
int cortado_cuda_memset(void *, int, int64_t, void *) { return -1; }

void *cortado_cuda_stream_create(void) { return nullptr; }
int cortado_cuda_stream_destroy(void *) { return -1; }
int cortado_cuda_stream_synchronize(void *) { return -1; }
void *cortado_cuda_event_create(void) { return nullptr; }
int cortado_cuda_event_destroy(void *) { return -1; }
int cortado_cuda_event_record(void *, void *) { return -1; }
int cortado_cuda_event_synchronize(void *) { return -1; }
int cortado_cuda_event_elapsed_ms(void *, void *, float *ms) {
    *ms = 0.0f;
    return -1;
}

#define NO_MATMUL(name)                                                                                   \
    int cuda_matmul_forward_##name(const void *, const float *, float *, int64_t, int64_t, int64_t, void *) { \
        return -1;                                                                                        \
    }
NO_MATMUL(f32)
NO_MATMUL(f16)
NO_MATMUL(bf16)
NO_MATMUL(q8_0)
NO_MATMUL(q4_0)
NO_MATMUL(q4_k)
NO_MATMUL(q6_k)
NO_MATMUL(nf4)

int cuda_rmsnorm_forward_f32(float *, float *, const float *, const float *, int64_t, int64_t, float, void *) {
    return -1;
}
int cuda_layernorm_forward_f32(float *, float *, float *, const float *, const float *, const float *, int64_t,
                               int64_t, float, void *) {
    return -1;
}
int cuda_rope_forward_f32(float *, const int32_t *, int64_t, int64_t, int64_t, float, float, const float *, int,
                          void *) {
    return -1;
}
int cuda_attention_forward_f32(float *, float *, const float *, const float *, const float *, int64_t, int64_t,
                               int64_t, int64_t, int64_t, void *) {
    return -1;
}
int cuda_swiglu_forward_f32(float *, const float *, const float *, int64_t, void *) { return -1; }
int cuda_softmax_forward_f32(float *, const float *, int64_t, int64_t, void *) { return -1; }
int cuda_add_f32(float *, const float *, const float *, int64_t, void *) { return -1; }
int cuda_bias_add_forward_f32(float *, const float *, int64_t, int64_t, void *) { return -1; }

}  // extern "C"
