// Device management for the CUDA backend: compiled by nvcc with the static CUDA runtime
// folded into the archive, so the JNI library needs no libcudart.so. The driver
// (libcuda.so.1) is opened only at the first CUDA call. A thin C layer over the runtime API:
// every call returns 0 or the CUDA error code and remembers the error's text.
#include <stdio.h>
#include <string.h>

#include "common.cuh"

static thread_local char last_error[256] = "";

int cortado_cuda_remember(cudaError_t e) {
    if (e != cudaSuccess) snprintf(last_error, sizeof last_error, "%s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
    return (int)e;
}

extern "C" int cortado_cuda_compiled(void) { return 1; }

extern "C" int cortado_cuda_device_count(void) {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        cortado_cuda_remember(e);
        cudaGetLastError();  // clear the sticky error so later calls are not poisoned
        return 0;
    }
    return n;
}

extern "C" int cortado_cuda_device_name(int device, char *buf, int64_t len) {
    if (len <= 0) return -1;
    cudaDeviceProp p;
    cudaError_t e = cudaGetDeviceProperties(&p, device);
    if (e != cudaSuccess) {
        snprintf(buf, (size_t)len, "%s", cudaGetErrorString(e));
        return cortado_cuda_remember(e);
    }
    snprintf(buf, (size_t)len, "%s (sm_%d%d, %.1f GiB)", p.name, p.major, p.minor,
             p.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
    return 0;
}

extern "C" const char *cortado_cuda_last_error(void) { return last_error; }

extern "C" int cortado_cuda_set_device(int device) { return cortado_cuda_remember(cudaSetDevice(device)); }

extern "C" int cortado_cuda_mem_info(int64_t *free_bytes, int64_t *total_bytes) {
    size_t f = 0, t = 0;
    cudaError_t e = cudaMemGetInfo(&f, &t);
    *free_bytes = (int64_t)f;
    *total_bytes = (int64_t)t;
    return cortado_cuda_remember(e);
}

extern "C" int cortado_cuda_synchronize(void) { return cortado_cuda_remember(cudaDeviceSynchronize()); }

// ---- memory ----

extern "C" void *cortado_cuda_malloc(int64_t bytes) {
    void *p = nullptr;
    if (cortado_cuda_remember(cudaMalloc(&p, (size_t)(bytes > 0 ? bytes : 1))) != 0) return nullptr;
    return p;
}

extern "C" int cortado_cuda_free(void *p) { return p ? cortado_cuda_remember(cudaFree(p)) : 0; }

static int copy(void *dst, const void *src, int64_t bytes, cudaMemcpyKind kind, void *stream) {
    if (bytes <= 0) return 0;
    return cortado_cuda_remember(cudaMemcpyAsync(dst, src, (size_t)bytes, kind, as_stream(stream)));
}

extern "C" int cortado_cuda_memcpy_h2d(void *dst, const void *src, int64_t bytes, void *stream) {
    return copy(dst, src, bytes, cudaMemcpyHostToDevice, stream);
}

extern "C" int cortado_cuda_memcpy_d2h(void *dst, const void *src, int64_t bytes, void *stream) {
    // pageable host memory: cudaMemcpyAsync returns once the data is in dst, but pinned memory
    // would not wait, so the caller synchronizes the stream before reading dst either way.
    return copy(dst, src, bytes, cudaMemcpyDeviceToHost, stream);
}

extern "C" int cortado_cuda_memcpy_d2d(void *dst, const void *src, int64_t bytes, void *stream) {
    return copy(dst, src, bytes, cudaMemcpyDeviceToDevice, stream);
}

extern "C" int cortado_cuda_memset(void *dst, int value, int64_t bytes, void *stream) {
    if (bytes <= 0) return 0;
    return cortado_cuda_remember(cudaMemsetAsync(dst, value, (size_t)bytes, as_stream(stream)));
}

// ---- streams and events ----

extern "C" void *cortado_cuda_stream_create(void) {
    cudaStream_t s = nullptr;
    if (cortado_cuda_remember(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking)) != 0) return nullptr;
    return (void *)s;
}

extern "C" int cortado_cuda_stream_destroy(void *stream) {
    return stream ? cortado_cuda_remember(cudaStreamDestroy(as_stream(stream))) : 0;
}

extern "C" int cortado_cuda_stream_synchronize(void *stream) {
    return cortado_cuda_remember(cudaStreamSynchronize(as_stream(stream)));
}

extern "C" void *cortado_cuda_event_create(void) {
    cudaEvent_t e = nullptr;
    if (cortado_cuda_remember(cudaEventCreate(&e)) != 0) return nullptr;
    return (void *)e;
}

extern "C" int cortado_cuda_event_destroy(void *event) {
    return event ? cortado_cuda_remember(cudaEventDestroy((cudaEvent_t)event)) : 0;
}

extern "C" int cortado_cuda_event_record(void *event, void *stream) {
    return cortado_cuda_remember(cudaEventRecord((cudaEvent_t)event, as_stream(stream)));
}

extern "C" int cortado_cuda_event_synchronize(void *event) {
    return cortado_cuda_remember(cudaEventSynchronize((cudaEvent_t)event));
}

extern "C" int cortado_cuda_event_elapsed_ms(void *start, void *end, float *ms) {
    return cortado_cuda_remember(cudaEventElapsedTime(ms, (cudaEvent_t)start, (cudaEvent_t)end));
}
