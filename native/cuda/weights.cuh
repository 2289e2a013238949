// Device-side decoders of the weight formats, one struct per type (the CUDA twin of cpu/blocks.h).
// Each gives exactly the floats of the CPU's dequantize kernels: products are rounded before the
// adds (__fmul_rn / __fadd_rn, so nvcc cannot contract them into an FMA the CPU does not do).
//   row_bytes(C)               bytes of one row of C elements
//   decode8(row, C, k0, v)     elements [k0, k0 + 8) of the row -> v (k0 a multiple of 8, k0 + 8 <= C)
//   one(row, k)                element k (plain float types only: they allow any C, hence a tail)
// Rows may start at any byte (NF4's rows are 8 ng + 33 nb bytes), so multi-byte fields are read
// byte by byte unless their alignment is guaranteed.
#ifndef CORTADO_CUDA_WEIGHTS_CUH
#define CORTADO_CUDA_WEIGHTS_CUH

#include <cuda_fp16.h>
#include <stdint.h>

__device__ __forceinline__ uint32_t ld_u16(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }
__device__ __forceinline__ float ld_f32_bytes(const uint8_t *p) {
    return __uint_as_float((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
}
__device__ __forceinline__ float half_bits(uint32_t h) { return __half2float(__ushort_as_half((unsigned short)h)); }
__device__ __forceinline__ float bf16_bits(uint32_t h) { return __uint_as_float(h << 16); }
// A half at an even address (block headers: every GGML block size is even).
__device__ __forceinline__ float ld_half(const uint8_t *p) { return half_bits(*(const uint16_t *)p); }
__device__ __forceinline__ bool aligned16(const void *p) { return ((uintptr_t)p & 15) == 0; }

struct F32W {
    static constexpr int QK = 1;
    __host__ __device__ static int64_t row_bytes(int64_t C) { return 4 * C; }
    __device__ static void decode8(const uint8_t *row, int64_t, int64_t k0, float *v) {
        const float *p = (const float *)row + k0;
        if (aligned16(p)) {
            float4 a = *(const float4 *)p, b = *(const float4 *)(p + 4);
            v[0] = a.x; v[1] = a.y; v[2] = a.z; v[3] = a.w; v[4] = b.x; v[5] = b.y; v[6] = b.z; v[7] = b.w;
        } else {
#pragma unroll
            for (int i = 0; i < 8; i++) v[i] = p[i];
        }
    }
    __device__ static float one(const uint8_t *row, int64_t k) { return ((const float *)row)[k]; }
};

template <bool BF16>
struct Half16W {
    static constexpr int QK = 1;
    __host__ __device__ static int64_t row_bytes(int64_t C) { return 2 * C; }
    __device__ static float cvt(uint32_t h) { return BF16 ? bf16_bits(h) : half_bits(h); }
    __device__ static void decode8(const uint8_t *row, int64_t, int64_t k0, float *v) {
        const uint16_t *p = (const uint16_t *)row + k0;
        if (aligned16(p)) {
            uint4 q = *(const uint4 *)p;
            uint32_t u[4] = {q.x, q.y, q.z, q.w};
#pragma unroll
            for (int i = 0; i < 4; i++) {
                v[2 * i] = cvt(u[i] & 0xFFFF);
                v[2 * i + 1] = cvt(u[i] >> 16);
            }
        } else {
#pragma unroll
            for (int i = 0; i < 8; i++) v[i] = cvt(p[i]);
        }
    }
    __device__ static float one(const uint8_t *row, int64_t k) { return cvt(((const uint16_t *)row)[k]); }
};
using F16W = Half16W<false>;
using BF16W = Half16W<true>;

// Q8_0: blocks of 32 in 34 bytes: half d, 32 int8 q; x = q * d.
struct Q8_0W {
    static constexpr int QK = 32;
    __host__ __device__ static int64_t row_bytes(int64_t C) { return C / 32 * 34; }
    __device__ static void decode8(const uint8_t *row, int64_t, int64_t k0, float *v) {
        const uint8_t *b = row + k0 / 32 * 34;
        const float d = ld_half(b);
        const int8_t *q = (const int8_t *)(b + 2) + k0 % 32;
#pragma unroll
        for (int i = 0; i < 8; i++) v[i] = __fmul_rn((float)q[i], d);
    }
};

// Q4_0: blocks of 32 in 18 bytes: half d, 16 bytes; byte j holds element j (low nibble) and
// j + 16 (high nibble); x = (nibble - 8) * d.
struct Q4_0W {
    static constexpr int QK = 32;
    __host__ __device__ static int64_t row_bytes(int64_t C) { return C / 32 * 18; }
    __device__ static void decode8(const uint8_t *row, int64_t, int64_t k0, float *v) {
        const uint8_t *b = row + k0 / 32 * 18;
        const float d = ld_half(b);
        const int j = (int)(k0 % 32);
        const uint8_t *q = b + 2 + (j & 15);
        const int shift = j < 16 ? 0 : 4;
#pragma unroll
        for (int i = 0; i < 8; i++) v[i] = __fmul_rn((float)(((q[i] >> shift) & 0xF) - 8), d);
    }
};

// Q4_K / Q5_K: the 6-bit scale and min of sub-block j from the 12 packed bytes.
__device__ __forceinline__ void scale_min_k4(int j, const uint8_t *q, int *d, int *m) {
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

// Q4_K: blocks of 256 in 144 bytes: half d, half dmin, 12 bytes of scales, 128 bytes of nibbles.
// Each 64 elements share 32 bytes: the low nibbles are sub-block 2i, the high ones 2i + 1;
// x = (d * sc) * q - dmin * m.
struct Q4_KW {
    static constexpr int QK = 256;
    __host__ __device__ static int64_t row_bytes(int64_t C) { return C / 256 * 144; }
    __device__ static void decode8(const uint8_t *row, int64_t, int64_t k0, float *v) {
        const uint8_t *b = row + k0 / 256 * 144;
        const int j = (int)(k0 % 256), chunk = j / 64, hi = (j % 64) >= 32;
        int sc, m;
        scale_min_k4(2 * chunk + hi, b + 4, &sc, &m);
        const float d = __fmul_rn(ld_half(b), (float)sc), mn = __fmul_rn(ld_half(b + 2), (float)m);
        const uint8_t *q = b + 16 + 32 * chunk + (j % 32);
        const int shift = hi ? 4 : 0;
#pragma unroll
        for (int i = 0; i < 8; i++) v[i] = __fadd_rn(__fmul_rn(d, (float)((q[i] >> shift) & 0xF)), -mn);
    }
};

// Q6_K: blocks of 256 in 210 bytes: ql (128), qh (64), int8 scales (16), half d. Two halves of
// 128; in a half, element 32 s + l (s = 0..3, l = 0..31) takes its low 4 bits from
// ql[l + 32 (s & 1)] (low nibble for s < 2, high otherwise) and its top 2 bits from qh[l] >> 2 s;
// x = (d * scale[l / 16 + 2 s]) * (q - 32).
struct Q6_KW {
    static constexpr int QK = 256;
    __host__ __device__ static int64_t row_bytes(int64_t C) { return C / 256 * 210; }
    __device__ static void decode8(const uint8_t *row, int64_t, int64_t k0, float *v) {
        const uint8_t *b = row + k0 / 256 * 210;
        const int j = (int)(k0 % 256), half = j / 128, n = j % 128, s = n / 32, l = n % 32;
        const uint8_t *ql = b + 64 * half + 32 * (s & 1) + l, *qh = b + 128 + 32 * half + l;
        const int8_t *sc = (const int8_t *)(b + 192) + 8 * half;
        const float d = __fmul_rn(ld_half(b + 208), (float)sc[l / 16 + 2 * s]);
        const int lshift = s < 2 ? 0 : 4, hshift = 2 * s;
#pragma unroll
        for (int i = 0; i < 8; i++) {
            const int q = (((ql[i] >> lshift) & 0xF) | (((qh[i] >> hshift) & 3) << 4)) - 32;
            v[i] = __fmul_rn(d, (float)q);
        }
    }
};

// NF4 (Cortado's layout, cpu/blocks.h): per row, ng = ceil(nb / 256) groups of (float scale,
// float offset), then nb int8 absmax codes, then nb blocks of 32 bytes (byte j: element j low
// nibble, element j + 32 high nibble); x = LEVEL[q] * fmaf(scale, code, offset).
__constant__ float NF4_LEVELS_DEV[16] = {
    -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
    -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
    0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
    0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f};

struct NF4W {
    static constexpr int QK = 64;
    __host__ __device__ static int64_t groups(int64_t C) { return (C / 64 + 255) / 256; }
    __host__ __device__ static int64_t row_bytes(int64_t C) { return 8 * groups(C) + 33 * (C / 64); }
    __device__ static void decode8(const uint8_t *row, int64_t C, int64_t k0, float *v) {
        const int64_t ng = groups(C), nb = C / 64, blk = k0 / 64;
        const uint8_t *g = row + 8 * (blk / 256);
        const float absmax = fmaf(ld_f32_bytes(g), (float)((const int8_t *)(row + 8 * ng))[blk], ld_f32_bytes(g + 4));
        const int j = (int)(k0 % 64);
        const uint8_t *q = row + 8 * ng + nb + 32 * blk + (j & 31);
        const int shift = j < 32 ? 0 : 4;
#pragma unroll
        for (int i = 0; i < 8; i++) v[i] = __fmul_rn(NF4_LEVELS_DEV[(q[i] >> shift) & 0xF], absmax);
    }
};

#endif
