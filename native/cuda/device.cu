// Device management for the CUDA backend: compiled by nvcc with the static CUDA runtime
// folded into the archive, so the JNI library needs no libcudart.so. The driver
// (libcuda.so.1) is opened only at the first CUDA call.
#include "cortado/cuda.h"

#include <cuda_runtime.h>
#include <stdio.h>
#include <string.h>

static thread_local char last_error[256] = "";

static int remember(cudaError_t e) {
    if (e != cudaSuccess) snprintf(last_error, sizeof last_error, "%s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
    return (int)e;
}

extern "C" int cortado_cuda_compiled(void) { return 1; }

extern "C" int cortado_cuda_device_count(void) {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        remember(e);
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
        return remember(e);
    }
    snprintf(buf, (size_t)len, "%s (sm_%d%d, %.1f GiB)", p.name, p.major, p.minor,
             p.totalGlobalMem / (1024.0 * 1024.0 * 1024.0));
    return 0;
}

extern "C" const char *cortado_cuda_last_error(void) { return last_error; }
