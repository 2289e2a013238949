// A/B timing of matmul_forward_<type> between two builds of Cortado's CPU kernel library, calls
// interleaved (A, B, A, B, ...) so that both see the same load on a shared machine. Random weight
// bytes (every second byte masked so fp16 scales stay finite), gaussian-ish x.
// Build: cc -O2 tools/bench/matmul-ab.c -o /tmp/matmul-ab -ldl
// Usage: matmul-ab A.so B.so type C OC T threads rounds
//   e.g. matmul-ab /tmp/base/libjniCpuKernels.so target/classes/.../libjniCpuKernels.so q4_0 2048 8192 64 1 10
// Prints, per library, the best and median GFLOP/s (2 T C OC per call) by wall time and by process CPU time.
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*fwd_fn)(const void *, const float *, float *, int64_t, int64_t, int64_t, int);

static double now(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long row_bytes(const char *type, long C) {
    if (!strcmp(type, "q8_0")) return C / 32 * 34;
    if (!strcmp(type, "q4_0")) return C / 32 * 18;
    if (!strcmp(type, "q4_1")) return C / 32 * 20;
    if (!strcmp(type, "q5_0")) return C / 32 * 22;
    if (!strcmp(type, "q5_1")) return C / 32 * 24;
    if (!strcmp(type, "q4_k")) return C / 256 * 144;
    if (!strcmp(type, "q5_k")) return C / 256 * 176;
    if (!strcmp(type, "q6_k")) return C / 256 * 210;
    if (!strcmp(type, "f32")) return 4 * C;
    fprintf(stderr, "unknown type %s\n", type);
    exit(2);
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 9) {
        fprintf(stderr, "usage: %s A.so B.so type C OC T threads rounds\n", argv[0]);
        return 2;
    }
    const char *type = argv[3];
    long C = atol(argv[4]), OC = atol(argv[5]), T = atol(argv[6]);
    int threads = atoi(argv[7]), rounds = atoi(argv[8]);
    char name[64];
    snprintf(name, sizeof name, "matmul_forward_%s", type);
    fwd_fn f[2];
    for (int i = 0; i < 2; i++) {
        void *h = dlopen(argv[1 + i], RTLD_NOW | RTLD_LOCAL);
        if (!h || !(f[i] = (fwd_fn)dlsym(h, name))) {
            fprintf(stderr, "%s: %s\n", argv[1 + i], dlerror());
            return 1;
        }
    }
    long wb = row_bytes(type, C) * OC;
    uint8_t *w = malloc(wb);
    float *x = malloc(sizeof(float) * T * C), *y = malloc(sizeof(float) * T * OC);
    srand(1);
    for (long i = 0; i < wb; i++) w[i] = (uint8_t)(rand() & (i % 2 ? 0x3b : 0xff));
    if (!strcmp(type, "f32")) for (long i = 3; i < wb; i += 4) w[i] = 0x3c;
    for (long i = 0; i < T * C; i++) x[i] = (float)((rand() % 2001) - 1000) / 500.0f;
    double flops = 2.0 * T * C * OC, wall[2][256], cpu[2][256];
    if (rounds > 256) rounds = 256;
    for (int i = 0; i < 2; i++) f[i](w, x, y, T, C, OC, threads);  // warm-up
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < 2; i++) {
            double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            f[i](w, x, y, T, C, OC, threads);
            wall[i][r] = now(CLOCK_MONOTONIC) - w0;
            cpu[i][r] = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
        }
    for (int i = 0; i < 2; i++) {
        qsort(wall[i], rounds, sizeof(double), cmp);
        qsort(cpu[i], rounds, sizeof(double), cmp);
        printf("%s %s C=%ld OC=%ld T=%ld threads=%d: wall best %.1f median %.1f GFLOP/s, cpu best %.1f median %.1f GFLOP/s per thread-second\n",
               i ? "B" : "A", type, C, OC, T, threads, flops / wall[i][0] / 1e9, flops / wall[i][rounds / 2] / 1e9,
               flops / cpu[i][0] / 1e9, flops / cpu[i][rounds / 2] / 1e9);
    }
    return 0;
}
