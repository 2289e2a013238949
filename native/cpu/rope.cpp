// Rotary position embedding. Compiled once per ISA (see Makefile).
#include <math.h>

#include "common.h"
#include "isa.h"
#include "team.h"

namespace CORTADO_NS {

using namespace cortado;

// x (T, H, D) rotated in place: token t sits at position pos[t]. Pair i (0 <= i < D/2) turns by
// angle pos * freq_scale * theta^(-2i/D) / freq_factors[i] (freq_factors nullable: Llama 3's
// rope_freqs; freq_scale = 1/factor for linear scaling). neox = 0 rotates adjacent pairs
// (2i, 2i+1) (GGUF llama, llama2.c), neox = 1 rotates halves (i, i + D/2) (rotate_half, Qwen2).
// D is even and at most 1024. The backward is the same rotation by the negated angle.
__attribute__((noinline)) void rope_angles_f32(float *cs, float *sn, int64_t pos, int64_t D, float theta,
                                                float freq_scale, const float *freq_factors) {
    for (int64_t i = 0; i < D / 2; i++) {
        // float arithmetic in llama2.c's order, so its greedy outputs are reproduced exactly
        float freq = 1.0f / powf(theta, (float)(2 * i) / (float)D);
        if (freq_factors) freq /= freq_factors[i];
        float val = (float)pos * (freq * freq_scale);
        cs[i] = cosf(val);
        sn[i] = sinf(val);
    }
}

__attribute__((noinline)) void rope_rotate_f32(float *v, const float *cs, const float *sn, int64_t D, int neox) {
    const int64_t half = D / 2;
    if (neox) {
        for (int64_t i = 0; i < half; i++) {
            float x0 = v[i], x1 = v[i + half];
            v[i] = x0 * cs[i] - x1 * sn[i];
            v[i + half] = x0 * sn[i] + x1 * cs[i];
        }
    } else {
        for (int64_t i = 0; i < half; i++) {
            float x0 = v[2 * i], x1 = v[2 * i + 1];
            v[2 * i] = x0 * cs[i] - x1 * sn[i];
            v[2 * i + 1] = x0 * sn[i] + x1 * cs[i];
        }
    }
}

void rope_forward_f32(float *x, const int32_t *pos, int64_t T, int64_t H, int64_t D, float theta,
                      float freq_scale, const float *freq_factors, int neox, int threads) {
#pragma omp parallel for num_threads(threads_for(T * H * D, 1 << 14, threads)) schedule(static)
    for (int64_t t = 0; t < T; t++) {
        float cs[512], sn[512];
        rope_angles_f32(cs, sn, pos[t], D, theta, freq_scale, freq_factors);
        for (int64_t h = 0; h < H; h++) rope_rotate_f32(x + (t * H + h) * D, cs, sn, D, neox);
    }
}

// The gradient of rope_forward_f32 in place on d (T, H, D), same arguments: the rotation is
// orthogonal, so its transpose is the rotation by the negated angle (freq_scale negated turns
// every angle pos * freq * freq_scale into exactly its negative: cos equal, sin negated).
void rope_backward_f32(float *d, const int32_t *pos, int64_t T, int64_t H, int64_t D, float theta,
                       float freq_scale, const float *freq_factors, int neox, int threads) {
    rope_forward_f32(d, pos, T, H, D, theta, -freq_scale, freq_factors, neox, threads);
}

}  // namespace CORTADO_NS
