// One build's plain matmul_forward_<type> against its repacked matmul_forward_<type>x8 (the engine's
// x8 layouts, native/cpu/matmul_x8.cpp), calls interleaved (plain, packed, plain, ...) on the same
// random weights and x. Prints the best GFLOP/s (2 T C OC per call) by wall time and by CPU time.
// Build: cc -O2 tools/bench/matmul-x8.c -o /tmp/matmul-x8 -ldl
// Usage: matmul-x8 LIB.so type T C OC threads rounds      type: q4_0 | q4_k | q8_0 | q5_0 | q6_k
//   e.g. matmul-x8 target/classes/dev/cortado/kernels/linux-x86_64/libjniCpuKernels.so q4_0 1 2048 65536 2 15
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

typedef void (*fwd_fn)(const void *, const float *, float *, int64_t, int64_t, int64_t, int);
typedef void (*repack_fn)(const void *, void *, int64_t, int64_t, int);

static double now(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: %s LIB.so type T C OC threads rounds\n", argv[0]);
        return 2;
    }
    const char *type = argv[2];
    long T = atol(argv[3]), C = atol(argv[4]), OC = atol(argv[5]);
    int threads = atoi(argv[6]), rounds = atoi(argv[7]);
    // block: bytes per block of `unit` columns of one row, where its fp16 scale(s) sit, packed bytes per 8 rows
    long unit, block, packed_unit;
    int scales[2] = {0, -1};
    if (!strcmp(type, "q4_0")) unit = 32, block = 18, packed_unit = 144;
    else if (!strcmp(type, "q8_0")) unit = 32, block = 34, packed_unit = 272;
    else if (!strcmp(type, "q5_0")) unit = 32, block = 22, packed_unit = 176;
    else if (!strcmp(type, "q4_k")) unit = 256, block = 144, packed_unit = 1184, scales[1] = 2;
    else if (!strcmp(type, "q6_k")) unit = 256, block = 210, packed_unit = 1680, scales[0] = 208;
    else {
        fprintf(stderr, "unknown type %s\n", type);
        return 2;
    }
    char name[64];
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    snprintf(name, sizeof name, "matmul_forward_%s", type);
    fwd_fn plain = (fwd_fn)dlsym(h, name);
    snprintf(name, sizeof name, "matmul_forward_%sx8", type);
    fwd_fn packed = (fwd_fn)dlsym(h, name);
    snprintf(name, sizeof name, "repack_%sx8", type);
    repack_fn repack = (repack_fn)dlsym(h, name);
    if (!plain || !packed || !repack) {
        fprintf(stderr, "%s: missing %s kernels\n", argv[1], type);
        return 1;
    }
    long wb = C / unit * block * OC, pb = C / unit * packed_unit * OC / 8;
    // the packed weights on 2 MiB pages, as the engine keeps them (kernels.WeightArena)
    const long huge = 1L << 21, pbh = (pb + huge - 1) & ~(huge - 1);
    uint8_t *w = malloc(wb), *wp = NULL;
    if (posix_memalign((void **)&wp, huge, pbh) != 0) return 1;
    madvise(wp, pbh, MADV_HUGEPAGE);
    float *x = malloc(sizeof(float) * T * C), *y = malloc(sizeof(float) * T * OC);
    srand(1);
    for (long i = 0; i < wb; i++) w[i] = (uint8_t)rand();
    for (long i = 0; i < wb; i += block)  // fp16 scales small and finite: exponent bits capped
        for (int s = 0; s < 2; s++)
            if (scales[s] >= 0) w[i + scales[s] + 1] &= 0x3b;
    for (long i = 0; i < T * C; i++) x[i] = (float)((rand() % 2001) - 1000) / 500.0f;
    repack(w, wp, C, OC, threads);
    double wall[2] = {1e30, 1e30}, cpu[2] = {1e30, 1e30};
    for (int r = 0; r <= rounds; r++)
        for (int i = 0; i < 2; i++) {
            double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            (i ? packed : plain)(i ? wp : w, x, y, T, C, OC, threads);
            double dw = now(CLOCK_MONOTONIC) - w0, dc = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
            if (r > 0 && dw < wall[i]) wall[i] = dw;  // round 0 warms up
            if (r > 0 && dc < cpu[i]) cpu[i] = dc;
        }
    double flops = 2.0 * T * C * OC;
    printf("%s T=%ld C=%ld OC=%ld threads=%d: plain %.1f GFLOP/s (cpu %.1f), x8 %.1f (cpu %.1f): x%.2f wall, %.1f GB/s of weights\n",
           type, T, C, OC, threads, flops / wall[0] / 1e9, flops / cpu[0] / 1e9, flops / wall[1] / 1e9, flops / cpu[1] / 1e9,
           wall[0] / wall[1], pb / wall[1] / 1e9);
    return 0;
}
