// Shared by the .cu files of the CUDA backend: error reporting and small device helpers.
#ifndef CORTADO_CUDA_COMMON_CUH
#define CORTADO_CUDA_COMMON_CUH

#include <cuda_runtime.h>
#include <stdint.h>

#include "cortado/cuda.h"

// Records e as the last error (device.cu) when it is one; returns (int) e.
int cortado_cuda_remember(cudaError_t e);

// After a launch: 0, or the launch error remembered.
static inline int launched() { return cortado_cuda_remember(cudaGetLastError()); }

static inline cudaStream_t as_stream(void *s) { return (cudaStream_t)s; }

static inline unsigned blocks_for(int64_t n, int threads) { return (unsigned)((n + threads - 1) / threads); }

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over a block of blockDim.x threads (a multiple of 32, at most 1024); every thread gets it.
// `scratch` holds 32 floats of shared memory; the call ends with a barrier, so it may be reused.
__device__ __forceinline__ float block_sum(float v, float *scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_sum(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float s = lane < nw ? scratch[lane] : 0.0f;
    s = warp_sum(s);
    __syncthreads();
    return s;
}

__device__ __forceinline__ float block_max(float v, float *scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_max(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float s = lane < nw ? scratch[lane] : -INFINITY;
    s = warp_max(s);
    __syncthreads();
    return s;
}

#endif
