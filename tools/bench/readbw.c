// Read bandwidth for tools/bench/generate.sh: sums a 1 GiB buffer (far beyond L3) with N OpenMP threads,
// best of 5 passes, in GB/s (1e9 bytes). Build: cc -O3 -march=native -fopenmp readbw.c -o readbw
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    size_t n = (size_t)1 << 30;
    char *buf = aligned_alloc(64, n);
    memset(buf, 1, n);
    omp_set_num_threads(threads);
    double best = 0;
    long long total = 0;
    for (int pass = 0; pass < 5; pass++) {
        double t0 = omp_get_wtime();
        long long sum = 0;
#pragma omp parallel for reduction(+ : sum) schedule(static)
        for (size_t i = 0; i < n; i += 256) {
            __m256i a = _mm256_load_si256((const __m256i *)(buf + i));
            for (int j = 32; j < 256; j += 32) a = _mm256_add_epi64(a, _mm256_load_si256((const __m256i *)(buf + i + j)));
            sum += _mm256_extract_epi64(a, 0) + _mm256_extract_epi64(a, 3);
        }
        double dt = omp_get_wtime() - t0;
        total += sum;
        if (n / dt / 1e9 > best) best = n / dt / 1e9;
    }
    printf("readbw threads=%d gbps=%.2f (checksum %lld)\n", threads, best, total & 1);
    return 0;
}
