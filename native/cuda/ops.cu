// The transformer's small ops on the GPU: RMSNorm, LayerNorm, RoPE, SwiGLU, softmax, residual add,
// bias add. Row reductions take one block per row; element-wise ops one thread per element.
// Semantics as the CPU kernels of the same names (kernels.h); outputs may alias inputs where the
// CPU's may (each thread reads its own elements before writing them).
#include "common.cuh"

namespace {

constexpr int ROW_THREADS = 256;

__global__ void rmsnorm_kernel(float *out, float *rstd, const float *x, const float *w, int64_t C, float eps) {
    __shared__ float scratch[32];
    const float *xt = x + blockIdx.x * C;
    float *ot = out + blockIdx.x * C;
    float ss = 0.0f;
    for (int64_t i = threadIdx.x; i < C; i += blockDim.x) ss = fmaf(xt[i], xt[i], ss);
    ss = block_sum(ss, scratch) / (float)C;
    const float s = 1.0f / sqrtf(ss + eps);
    if (rstd && threadIdx.x == 0) rstd[blockIdx.x] = s;
    for (int64_t i = threadIdx.x; i < C; i += blockDim.x) ot[i] = w[i] * (s * xt[i]);
}

__global__ void layernorm_kernel(float *out, float *mean, float *rstd, const float *x, const float *w, const float *b,
                                 int64_t C, float eps) {
    __shared__ float scratch[32];
    const float *xt = x + blockIdx.x * C;
    float *ot = out + blockIdx.x * C;
    float sum = 0.0f;
    for (int64_t i = threadIdx.x; i < C; i += blockDim.x) sum += xt[i];
    const float m = block_sum(sum, scratch) / (float)C;
    float var = 0.0f;
    for (int64_t i = threadIdx.x; i < C; i += blockDim.x) {
        const float d = xt[i] - m;
        var = fmaf(d, d, var);
    }
    const float s = 1.0f / sqrtf(block_sum(var, scratch) / (float)C + eps);
    if (threadIdx.x == 0) {
        if (mean) mean[blockIdx.x] = m;
        if (rstd) rstd[blockIdx.x] = s;
    }
    for (int64_t i = threadIdx.x; i < C; i += blockDim.x) ot[i] = (xt[i] - m) * s * w[i] + (b ? b[i] : 0.0f);
}

// One thread per (token, head, pair).
__global__ void rope_kernel(float *x, const int32_t *pos, int64_t T, int64_t H, int64_t D, float theta,
                            float freq_scale, const float *freq_factors, int neox) {
    const int64_t half = D / 2;
    const int64_t idx = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= T * H * half) return;
    const int64_t i = idx % half, th = idx / half, t = th / H;
    float freq = 1.0f / powf(theta, (float)(2 * i) / (float)D);
    if (freq_factors) freq /= freq_factors[i];
    const float val = (float)pos[t] * (freq * freq_scale);
    float sn, cs;
    sincosf(val, &sn, &cs);
    float *v = x + th * D;
    const int64_t a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
    const float x0 = v[a], x1 = v[b];
    v[a] = x0 * cs - x1 * sn;
    v[b] = x0 * sn + x1 * cs;
}

__global__ void swiglu_kernel(float *out, const float *gate, const float *up, int64_t n) {
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
        const float g = gate[i];
        out[i] = g * (1.0f / (1.0f + expf(-g))) * up[i];
    }
}

__global__ void softmax_kernel(float *out, const float *x, int64_t V) {
    __shared__ float scratch[32];
    const float *xt = x + blockIdx.x * V;
    float *ot = out + blockIdx.x * V;
    float m = -INFINITY;
    for (int64_t i = threadIdx.x; i < V; i += blockDim.x) m = fmaxf(m, xt[i]);
    m = block_max(m, scratch);
    float s = 0.0f;
    for (int64_t i = threadIdx.x; i < V; i += blockDim.x) {
        const float e = expf(xt[i] - m);
        ot[i] = e;
        s += e;
    }
    const float inv = 1.0f / block_sum(s, scratch);
    for (int64_t i = threadIdx.x; i < V; i += blockDim.x) ot[i] *= inv;
}

__global__ void add_kernel(float *out, const float *a, const float *b, int64_t n) {
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
        out[i] = a[i] + b[i];
}

__global__ void bias_add_kernel(float *y, const float *b, int64_t T, int64_t C) {
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < T * C; i += (int64_t)gridDim.x * blockDim.x)
        y[i] += b[i % C];
}

// Grid for a grid-stride loop over n elements: enough blocks to fill the GPU, no more.
unsigned stride_blocks(int64_t n) {
    int64_t b = (n + 255) / 256;
    return (unsigned)(b < 4096 ? (b < 1 ? 1 : b) : 4096);
}

}  // namespace

extern "C" int cuda_rmsnorm_forward_f32(float *out, float *rstd, const float *x, const float *w, int64_t T, int64_t C,
                                        float eps, void *stream) {
    if (T <= 0 || C <= 0) return 0;
    rmsnorm_kernel<<<(unsigned)T, ROW_THREADS, 0, as_stream(stream)>>>(out, rstd, x, w, C, eps);
    return launched();
}

extern "C" int cuda_layernorm_forward_f32(float *out, float *mean, float *rstd, const float *x, const float *w,
                                          const float *b, int64_t T, int64_t C, float eps, void *stream) {
    if (T <= 0 || C <= 0) return 0;
    layernorm_kernel<<<(unsigned)T, ROW_THREADS, 0, as_stream(stream)>>>(out, mean, rstd, x, w, b, C, eps);
    return launched();
}

extern "C" int cuda_rope_forward_f32(float *x, const int32_t *pos, int64_t T, int64_t H, int64_t D, float theta,
                                     float freq_scale, const float *freq_factors, int neox, void *stream) {
    const int64_t n = T * H * (D / 2);
    if (n <= 0) return 0;
    rope_kernel<<<blocks_for(n, 256), 256, 0, as_stream(stream)>>>(x, pos, T, H, D, theta, freq_scale, freq_factors,
                                                                    neox);
    return launched();
}

extern "C" int cuda_swiglu_forward_f32(float *out, const float *gate, const float *up, int64_t n, void *stream) {
    if (n <= 0) return 0;
    swiglu_kernel<<<stride_blocks(n), 256, 0, as_stream(stream)>>>(out, gate, up, n);
    return launched();
}

extern "C" int cuda_softmax_forward_f32(float *out, const float *x, int64_t T, int64_t V, void *stream) {
    if (T <= 0 || V <= 0) return 0;
    softmax_kernel<<<(unsigned)T, ROW_THREADS, 0, as_stream(stream)>>>(out, x, V);
    return launched();
}

extern "C" int cuda_add_f32(float *out, const float *a, const float *b, int64_t n, void *stream) {
    if (n <= 0) return 0;
    add_kernel<<<stride_blocks(n), 256, 0, as_stream(stream)>>>(out, a, b, n);
    return launched();
}

extern "C" int cuda_bias_add_forward_f32(float *y, const float *b, int64_t T, int64_t C, void *stream) {
    if (T <= 0 || C <= 0) return 0;
    bias_add_kernel<<<stride_blocks(T * C), 256, 0, as_stream(stream)>>>(y, b, T, C);
    return launched();
}
