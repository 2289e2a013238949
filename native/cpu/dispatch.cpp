// The exported C ABI (include/cortado/kernels.h): picks the AVX2 or the portable build of
// each kernel at run time from the CPU's features. Compiled once, for the baseline ISA.
#include "cortado/kernels.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CORTADO_NS cortado_avx2
#include "isa.h"
#undef CORTADO_NS
#define CORTADO_NS cortado_generic
#include "isa.h"
#undef CORTADO_NS

static int detect_best_isa() {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("f16c"))
        return CORTADO_ISA_AVX2;
#endif
    return CORTADO_ISA_GENERIC;
}

static const int best_isa = detect_best_isa();
static int current_isa = best_isa;

extern "C" {

int cortado_cpu_best_isa(void) { return best_isa; }
int cortado_cpu_isa(void) { return current_isa; }
int cortado_cpu_set_isa(int isa) {
    if (isa == CORTADO_ISA_GENERIC || (isa == CORTADO_ISA_AVX2 && best_isa == CORTADO_ISA_AVX2))
        current_isa = isa;
    return current_isa;
}
int cortado_cpu_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

void *cortado_mmap_file(const char *path, int64_t *size, int *err) {
    *size = 0;
    *err = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { *err = errno; return nullptr; }
    struct stat st;
    if (fstat(fd, &st) != 0) { *err = errno; close(fd); return nullptr; }
    *size = (int64_t)st.st_size;
    if (st.st_size == 0) { close(fd); return nullptr; }
    void *p = mmap(nullptr, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);  // the mapping keeps the file open
    if (p == MAP_FAILED) { *err = e; return nullptr; }
    return p;
}

int cortado_munmap(void *addr, int64_t size) {
    if (addr == nullptr || size <= 0) return 0;
    return munmap(addr, (size_t)size) == 0 ? 0 : errno;
}

void cortado_madvise_willneed(void *addr, int64_t size) {
    if (addr != nullptr && size > 0) madvise(addr, (size_t)size, MADV_WILLNEED);
}

// Decoding streams every weight once per token: on 4 KB pages that is a TLB miss per page, and under a
// hypervisor each miss walks two page tables. A 2 MiB page holds 512 of them (readbw on this VM: 25-29
// GB/s on 4 KB pages, 30-31 on 2 MiB ones). Over-maps by 2 MiB and trims to the boundary.
static const size_t HUGE_PAGE = (size_t)2 << 20;

void *cortado_alloc_huge(int64_t size, int *err) {
    *err = 0;
    if (size <= 0) { *err = EINVAL; return nullptr; }
    const size_t n = ((size_t)size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    char *p = (char *)mmap(nullptr, n + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { *err = errno; return nullptr; }
    char *a = (char *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (a > p) munmap(p, (size_t)(a - p));
    if (a + n < p + n + HUGE_PAGE) munmap(a + n, (size_t)(p + n + HUGE_PAGE - (a + n)));
#ifdef MADV_HUGEPAGE
    madvise(a, n, MADV_HUGEPAGE);  // best effort: without it the memory works on small pages
#endif
    return a;
}

int cortado_free_huge(void *addr, int64_t size) {
    if (addr == nullptr || size <= 0) return 0;
    const size_t n = ((size_t)size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    return munmap(addr, n) == 0 ? 0 : errno;
}

void cortado_madvise_dontneed(void *addr, int64_t size) {
    if (addr == nullptr || size <= 0) return;
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a = (uintptr_t)addr;
    const uintptr_t lo = (a + page - 1) & ~(page - 1), hi = (a + (uintptr_t)size) & ~(page - 1);
    if (hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

#define DISPATCH(call) \
    do { \
        if (current_isa == CORTADO_ISA_AVX2) cortado_avx2::call; else cortado_generic::call; \
    } while (0)

void convert_f16_to_f32(const uint16_t *x, float *y, int64_t n, int t) { DISPATCH(convert_f16_to_f32(x, y, n, t)); }
void convert_bf16_to_f32(const uint16_t *x, float *y, int64_t n, int t) { DISPATCH(convert_bf16_to_f32(x, y, n, t)); }
void convert_f32_to_f16(const float *x, uint16_t *y, int64_t n, int t) { DISPATCH(convert_f32_to_f16(x, y, n, t)); }
void convert_f32_to_bf16(const float *x, uint16_t *y, int64_t n, int t) { DISPATCH(convert_f32_to_bf16(x, y, n, t)); }

void dequantize_q8_0(const void *x, float *y, int64_t n, int t) { DISPATCH(dequantize_q8_0(x, y, n, t)); }
void dequantize_q4_0(const void *x, float *y, int64_t n, int t) { DISPATCH(dequantize_q4_0(x, y, n, t)); }
void dequantize_q4_1(const void *x, float *y, int64_t n, int t) { DISPATCH(dequantize_q4_1(x, y, n, t)); }
void dequantize_q5_0(const void *x, float *y, int64_t n, int t) { DISPATCH(dequantize_q5_0(x, y, n, t)); }
void dequantize_q5_1(const void *x, float *y, int64_t n, int t) { DISPATCH(dequantize_q5_1(x, y, n, t)); }
void dequantize_q4_k(const void *x, float *y, int64_t n, int t) { DISPATCH(dequantize_q4_k(x, y, n, t)); }
void dequantize_q5_k(const void *x, float *y, int64_t n, int t) { DISPATCH(dequantize_q5_k(x, y, n, t)); }
void dequantize_q6_k(const void *x, float *y, int64_t n, int t) { DISPATCH(dequantize_q6_k(x, y, n, t)); }

// ---- transformer ops ----
void rmsnorm_forward_f32(float *out, float *rstd, const float *x, const float *w, int64_t T, int64_t C, float eps, int t) {
    DISPATCH(rmsnorm_forward_f32(out, rstd, x, w, T, C, eps, t));
}
void layernorm_forward_f32(float *out, float *mean, float *rstd, const float *x, const float *w, const float *b,
                           int64_t T, int64_t C, float eps, int t) {
    DISPATCH(layernorm_forward_f32(out, mean, rstd, x, w, b, T, C, eps, t));
}
void rope_forward_f32(float *x, const int32_t *pos, int64_t T, int64_t H, int64_t D, float theta, float freq_scale,
                      const float *freq_factors, int neox, int t) {
    DISPATCH(rope_forward_f32(x, pos, T, H, D, theta, freq_scale, freq_factors, neox, t));
}
void attention_forward_f32(float *out, float *lse, const float *q, const float *k, const float *v, int64_t T,
                           int64_t pos, int64_t H, int64_t KVH, int64_t D, int t) {
    DISPATCH(attention_forward_f32(out, lse, q, k, v, T, pos, H, KVH, D, t));
}
void kv_store_f16(uint16_t *kc, uint16_t *vc, const float *k, const float *v, int64_t T, int64_t pos, int64_t KVH,
                  int64_t D, int64_t ctx, int t) {
    DISPATCH(kv_store_f16(kc, vc, k, v, T, pos, KVH, D, ctx, t));
}
void kv_rope_f16(uint16_t *kc, const int32_t *pos, int64_t start, int64_t count, int64_t KVH, int64_t D, int64_t ctx,
                 float theta, float freq_scale, const float *freq_factors, int neox, int t) {
    DISPATCH(kv_rope_f16(kc, pos, start, count, KVH, D, ctx, theta, freq_scale, freq_factors, neox, t));
}
void attention_forward_f16kv(float *out, const float *q, const uint16_t *kc, const uint16_t *vc, int64_t T,
                             int64_t pos, int64_t H, int64_t KVH, int64_t D, int64_t ctx, int t) {
    DISPATCH(attention_forward_f16kv(out, q, kc, vc, T, pos, H, KVH, D, ctx, t));
}
void swiglu_forward_f32(float *out, const float *gate, const float *up, int64_t n, int t) { DISPATCH(swiglu_forward_f32(out, gate, up, n, t)); }
void softmax_forward_f32(float *out, const float *x, int64_t T, int64_t V, int t) { DISPATCH(softmax_forward_f32(out, x, T, V, t)); }
void add_f32(float *out, const float *a, const float *b, int64_t n, int t) { DISPATCH(add_f32(out, a, b, n, t)); }
void bias_add_forward_f32(float *y, const float *b, int64_t T, int64_t C, int t) { DISPATCH(bias_add_forward_f32(y, b, T, C, t)); }
// ---- end transformer ops ----
// ---- matmul and NF4 dequantization ----
void dequantize_nf4(const void *x, float *y, int64_t rows, int64_t C, int t) { DISPATCH(dequantize_nf4(x, y, rows, C, t)); }
void matmul_forward_f32(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_f32(w, x, y, T, C, OC, t)); }
void matmul_backward_x_f32(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_backward_x_f32(w, dy, dx, T, C, OC, t)); }
void matmul_forward_f16(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_f16(w, x, y, T, C, OC, t)); }
void matmul_backward_x_f16(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_backward_x_f16(w, dy, dx, T, C, OC, t)); }
void matmul_forward_bf16(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_bf16(w, x, y, T, C, OC, t)); }
void matmul_backward_x_bf16(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_backward_x_bf16(w, dy, dx, T, C, OC, t)); }
void matmul_forward_q8_0(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_q8_0(w, x, y, T, C, OC, t)); }
void matmul_backward_x_q8_0(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_backward_x_q8_0(w, dy, dx, T, C, OC, t)); }
void matmul_forward_q4_0(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_q4_0(w, x, y, T, C, OC, t)); }
void matmul_backward_x_q4_0(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_backward_x_q4_0(w, dy, dx, T, C, OC, t)); }
void matmul_forward_q4_1(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_q4_1(w, x, y, T, C, OC, t)); }
void matmul_backward_x_q4_1(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_backward_x_q4_1(w, dy, dx, T, C, OC, t)); }
void matmul_forward_q5_0(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_q5_0(w, x, y, T, C, OC, t)); }
void matmul_backward_x_q5_0(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_backward_x_q5_0(w, dy, dx, T, C, OC, t)); }
void matmul_forward_q5_1(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_q5_1(w, x, y, T, C, OC, t)); }
void matmul_backward_x_q5_1(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_backward_x_q5_1(w, dy, dx, T, C, OC, t)); }
void matmul_forward_q4_k(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_q4_k(w, x, y, T, C, OC, t)); }
void matmul_backward_x_q4_k(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_backward_x_q4_k(w, dy, dx, T, C, OC, t)); }
void matmul_forward_q5_k(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_q5_k(w, x, y, T, C, OC, t)); }
void matmul_backward_x_q5_k(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_backward_x_q5_k(w, dy, dx, T, C, OC, t)); }
void matmul_forward_q6_k(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_q6_k(w, x, y, T, C, OC, t)); }
void matmul_backward_x_q6_k(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_backward_x_q6_k(w, dy, dx, T, C, OC, t)); }
void matmul_forward_nf4(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_nf4(w, x, y, T, C, OC, t)); }
void matmul_backward_x_nf4(const void *w, const float *dy, float *dx, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_backward_x_nf4(w, dy, dx, T, C, OC, t)); }
void matmul_forward_fused_f32(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_f32(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void matmul_forward_fused_f16(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_f16(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void matmul_forward_fused_bf16(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_bf16(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void matmul_forward_fused_q8_0(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_q8_0(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void matmul_forward_fused_q4_0(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_q4_0(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void matmul_forward_fused_q4_1(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_q4_1(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void matmul_forward_fused_q5_0(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_q5_0(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void matmul_forward_fused_q5_1(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_q5_1(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void matmul_forward_fused_q4_k(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_q4_k(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void matmul_forward_fused_q5_k(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_q5_k(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void matmul_forward_fused_q6_k(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_q6_k(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void matmul_forward_fused_nf4(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_nf4(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void repack_q4_0x8(const void *w, void *out, int64_t C, int64_t OC, int t) { DISPATCH(repack_q4_0x8(w, out, C, OC, t)); }
void matmul_forward_q4_0x8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_q4_0x8(w, x, y, T, C, OC, t)); }
void matmul_forward_fused_q4_0x8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_q4_0x8(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void repack_q4_kx8(const void *w, void *out, int64_t C, int64_t OC, int t) { DISPATCH(repack_q4_kx8(w, out, C, OC, t)); }
void matmul_forward_q4_kx8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_q4_kx8(w, x, y, T, C, OC, t)); }
void matmul_forward_fused_q4_kx8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_q4_kx8(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void repack_q8_0x8(const void *w, void *out, int64_t C, int64_t OC, int t) { DISPATCH(repack_q8_0x8(w, out, C, OC, t)); }
void matmul_forward_q8_0x8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_q8_0x8(w, x, y, T, C, OC, t)); }
void matmul_forward_fused_q8_0x8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_q8_0x8(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void repack_q5_0x8(const void *w, void *out, int64_t C, int64_t OC, int t) { DISPATCH(repack_q5_0x8(w, out, C, OC, t)); }
void matmul_forward_q5_0x8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_q5_0x8(w, x, y, T, C, OC, t)); }
void matmul_forward_fused_q5_0x8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_q5_0x8(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void repack_q6_kx8(const void *w, void *out, int64_t C, int64_t OC, int t) { DISPATCH(repack_q6_kx8(w, out, C, OC, t)); }
void matmul_forward_q6_kx8(const void *w, const float *x, float *y, int64_t T, int64_t C, int64_t OC, int t) { DISPATCH(matmul_forward_q6_kx8(w, x, y, T, C, OC, t)); }
void matmul_forward_fused_q6_kx8(const void *w0, const void *w1, const void *w2, float *y0, float *y1, float *y2, int64_t oc0, int64_t oc1, int64_t oc2, const float *x, int64_t T, int64_t C, int mode, int t) { DISPATCH(matmul_forward_fused_q6_kx8(w0, w1, w2, y0, y1, y2, oc0, oc1, oc2, x, T, C, mode, t)); }
void decode_layers_forward_f16kv(float *x, int64_t L, const void *const *w, const int32_t *layouts,
                              const float *const *vec, uint16_t *const *cache, int64_t dim, int64_t H, int64_t KVH,
                              int64_t D, int64_t F, int64_t ctx, int64_t pos, float eps, float theta,
                              float freq_scale, const float *freq_factors, int neox, int t) {
    DISPATCH(decode_layers_forward_f16kv(x, L, w, layouts, vec, cache, dim, H, KVH, D, F, ctx, pos, eps, theta, freq_scale,
                                      freq_factors, neox, t));
}

// ---- training ----
void matmul_backward_w_f32(float *dw, const float *dy, const float *x, int64_t T, int64_t C, int64_t OC, int t) {
    DISPATCH(matmul_backward_w_f32(dw, dy, x, T, C, OC, t));
}
void rmsnorm_backward_f32(float *dx, float *dw, const float *dout, const float *x, const float *w, const float *rstd,
                          int64_t T, int64_t C, int t) {
    DISPATCH(rmsnorm_backward_f32(dx, dw, dout, x, w, rstd, T, C, t));
}
void rope_backward_f32(float *d, const int32_t *pos, int64_t T, int64_t H, int64_t D, float theta, float freq_scale,
                       const float *freq_factors, int neox, int t) {
    DISPATCH(rope_backward_f32(d, pos, T, H, D, theta, freq_scale, freq_factors, neox, t));
}
void attention_backward_f32(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                            const float *v, const float *out, const float *lse, int64_t T, int64_t H, int64_t KVH,
                            int64_t D, int t) {
    DISPATCH(attention_backward_f32(dq, dk, dv, dout, q, k, v, out, lse, T, H, KVH, D, t));
}
void swiglu_backward_f32(float *dgate, float *dup, const float *dout, const float *gate, const float *up, int64_t n, int t) {
    DISPATCH(swiglu_backward_f32(dgate, dup, dout, gate, up, n, t));
}
void bias_backward_f32(float *db, const float *dy, int64_t T, int64_t C, int t) { DISPATCH(bias_backward_f32(db, dy, T, C, t)); }
void embedding_backward_f32(float *dtable, const float *dout, const int32_t *tokens, int64_t T, int64_t C, int64_t V, int t) {
    DISPATCH(embedding_backward_f32(dtable, dout, tokens, T, C, V, t));
}
double cross_entropy_forward_backward_f32(float *losses, float *logits, const int32_t *targets, const float *mask,
                                          int64_t T, int64_t V, float grad_scale, int t) {
    if (current_isa == CORTADO_ISA_AVX2)
        return cortado_avx2::cross_entropy_forward_backward_f32(losses, logits, targets, mask, T, V, grad_scale, t);
    return cortado_generic::cross_entropy_forward_backward_f32(losses, logits, targets, mask, T, V, grad_scale, t);
}
void adamw_f32(float *param, const float *grad, float *m, float *v, int64_t n, float lr, float beta1, float beta2,
               float eps, float weight_decay, int64_t step, int t) {
    DISPATCH(adamw_f32(param, grad, m, v, n, lr, beta1, beta2, eps, weight_decay, step, t));
}
double sum_squares_f32(const float *x, int64_t n, int t) {
    if (current_isa == CORTADO_ISA_AVX2) return cortado_avx2::sum_squares_f32(x, n, t);
    return cortado_generic::sum_squares_f32(x, n, t);
}
void scale_f32(float *x, float s, int64_t n, int t) { DISPATCH(scale_f32(x, s, n, t)); }
void zero_f32(float *x, int64_t n, int t) { DISPATCH(zero_f32(x, n, t)); }
// ---- end training ----

}  // extern "C"
